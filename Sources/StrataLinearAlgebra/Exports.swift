// The seeded generators moved to StrataRandom (the lowest module, so the synthetic clinic can share them
// without depending on linear algebra); every numeric module and test that imports this one still sees them.
@_exported import StrataRandom
