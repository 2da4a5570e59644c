// Tests for StrataGenerator; see the module's README.
