"""``python -m chatbot`` works like the ``chatbot`` command."""

from chatbot.cli import main

if __name__ == "__main__":
    main()
