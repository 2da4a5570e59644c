// Tests for StrataFeatures; see the module's README.
