from formfill.cli import run

run()
