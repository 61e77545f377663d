from policylint.cli.collector import imported_without_collection

with imported_without_collection():  # the command line's modules live as long as the process
    from policylint.cli.main import main

raise SystemExit(main())
