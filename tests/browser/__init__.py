"""Real browser tests: Playwright driving Debian's Chromium (fixtures in conftest.py)."""


def log_in(page, live_server, username, password="demo"):
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


EPCI = "Communauté de communes Roumois Seine"  # known to the application: create it first
COMMUNE = "Commune de Bourg-Achard"  # described in the form


def fill_new_convention(page, title, start, end):
    """From the list of conventions, open « Nouvelle convention » and fill it as a Caf officer:
    the Caf's two signatories, the known EPCI and a new commune as collectivités (the second one
    added with « Ajouter une collectivité »), three communes pasted as « code;nom;population »."""
    page.get_by_role("link", name="Nouvelle convention").click()
    page.get_by_label("Titre").fill(title)
    page.get_by_label("Début").fill(start.isoformat())
    page.get_by_label("Fin").fill(end.isoformat())
    page.get_by_label("Lieu de signature").fill("Bourg-Achard")
    caf = page.get_by_role("group", name="Pour la Caf, signent")
    caf.get_by_label("Représentant(e) (représentant de la caf 1)").fill("M. Philippe CHARPIN")
    caf.get_by_label("Qualité (représentant de la caf 1)").fill("Président du conseil d'administration")
    caf.get_by_label("Représentant(e) (représentant de la caf 2)").fill("Mme Aurore VERNIEUWE")
    caf.get_by_label("Qualité (représentant de la caf 2)").fill("Directrice")
    first = page.get_by_role("group", name="Collectivité 1")
    first.get_by_label("Organisation").select_option(label=f"{EPCI} (EPCI, 200066405)")
    first.get_by_label("Représentant(e)").fill("M. Sylvain BONENFANT")
    first.get_by_label("Qualité").fill("Président")
    page.get_by_role("button", name="Ajouter une collectivité").click()
    second = page.get_by_role("group", name="Collectivité 2")
    second.get_by_label("Nom").fill(COMMUNE)
    second.get_by_label("Type").select_option(label="Commune")
    second.get_by_label("SIREN ou code").fill("27103")
    second.get_by_label("Représentant(e)").fill("Mme Claire DUVAL")
    second.get_by_label("Qualité").fill("Maire")
    page.get_by_label("Communes couvertes").fill(
        "27103;Bourg-Achard;4 500\n27005;Amfreville-Saint-Amand;1200\n27008;Appeville-Annebault;1050"
    )
