// Tests for StrataModels; see the module's README.
