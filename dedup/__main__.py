from dedup.cli import run

run()
