from formfill.cli import main

main(prog_name="formfill")
