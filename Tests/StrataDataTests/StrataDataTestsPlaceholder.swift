// Tests for StrataData; see the module's README.
