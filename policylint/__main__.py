from policylint.cli.main import main

raise SystemExit(main())
