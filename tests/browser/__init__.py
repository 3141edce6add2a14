"""Real browser tests: Playwright driving Debian's Chromium (fixtures in conftest.py)."""


def log_in(page, live_server, username, password="demo"):
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
