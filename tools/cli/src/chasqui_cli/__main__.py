"""`python -m chasqui_cli` is `chasqui`."""

import sys

from chasqui_cli.main import main

sys.exit(main())
