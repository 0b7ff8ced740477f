import sys

from funnel.quality.runner import main

main(sys.argv[1:])
