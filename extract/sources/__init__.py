"""One module per tracker a run store is built from (wandb_exports, wandb_files, wandb_api with
wandb_cache, tensorboard, mlflow), each turning what it reads into the same raw run record
(runs.RunFacts) and adding its command to `python -m extract` (``add_command``, named in
cli.SOURCES); the evidence rules apply after, in one place (runs.make_run)."""
