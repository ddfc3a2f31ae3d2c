"""``python -m chatbot`` works like the ``chatbot`` command."""

from .cli import main

if __name__ == "__main__":
    main()
