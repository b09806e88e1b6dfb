from intyg.cli import main

main()
