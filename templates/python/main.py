"""A starting point: run it with `python3 main.py` in the terminal."""


def greet(name: str) -> str:
    return f"Hello, {name}!"


if __name__ == "__main__":
    print(greet("Berth"))
