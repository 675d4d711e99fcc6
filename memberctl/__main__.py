from memberctl.cli import main

main()
