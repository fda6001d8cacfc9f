import sys

from idic_lab.cli import main

sys.exit(main())
