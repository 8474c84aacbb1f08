from rlcode.cli import main

main()
