from telco_console.app import main

raise SystemExit(main())
