//! Random inventories for the generative differential test (filled in separately).
