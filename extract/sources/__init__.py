"""One module per tracker a run store is built from, each turning what it reads into the same
raw run record (runs.RunFacts); the evidence rules apply after, in one place (runs.make_run)."""
