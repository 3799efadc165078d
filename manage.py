#!/usr/bin/env python
from safeguard.cli import main

if __name__ == "__main__":
    main()
