import sys

from broadcast.relay.feeder import main

sys.exit(main())
