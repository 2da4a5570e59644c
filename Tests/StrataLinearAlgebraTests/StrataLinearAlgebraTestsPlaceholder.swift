// Tests for StrataLinearAlgebra; see the module's README.
