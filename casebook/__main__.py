from casebook.cli import main

main()
