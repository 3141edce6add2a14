"""The model a new convention's body starts from: the usual visas, préambule and articles of a
CTG, worded as in `002_…` (the body of the Roumois Seine avenant n°2, signed on 15 December 2025)
and adapted from an avenant to a convention. Names and dates are placeholders filled from the
convention: `{caf}` the Caf, `{signataires}` the Caf and the signatory collectivités, `{debut}`,
`{fin}` and `{periode}` its period; singular and plural forms follow the number of collectivités.
The user edits the result in « Texte de la convention »; nothing here is kept in sync afterwards.

The parties' sentences (« représentée par … dûment autorisé à signer … ») are not part of the
model: they are generated from the signatories wherever the parties are shown (`parties.py`)."""

from .parties import assembly_of, joined, with_article

VISAS = [
    "Vu les articles L. 263-1, L. 223-1 et L. 227-1 à 3 du Code de la sécurité sociale ;",
    "Vu le Code de l'action sociale et des familles ;",
    "Vu le Code général des collectivités territoriales ;",
    "Vu l'arrêté du 3 octobre 2001 relatif à l'Action sociale des Caisses d'allocations familiales (Caf) ;",
    "Vu la loi du 18 décembre 2023 pour le plein emploi ;",
    "Vu le décret n°2021-1644 du 14 décembre 2021 relatif à la gouvernance des services aux familles et au "
    "métier d'assistant maternel ;",
    "Vu le décret n° 2025-253 du 20 mars 2025 relatif au schéma pluriannuel de maintien et de développement de "
    "l'offre d'accueil du jeune enfant prévu à l'article L. 214-1-3 du code de l'action sociale et des familles ;",
    "Vu la Convention d'objectifs et de gestion (Cog) arrêtée entre l'Etat et la Caisse nationale des allocations "
    "familiales (Cnaf) ;",
    "Vu la délibération du conseil d'administration de {caf} en date du … concernant la stratégie pluriannuelle "
    "de renouvellement des Ctg ;",
]
# One per signatory collectivité.
COLLECTIVITE_VISA = (
    "Vu la délibération du {assembly} de {name} en date du … portant sur la signature de la Convention "
    "territoriale globale ;"
)

PREAMBLE = """\
Les Caf sont nées de la volonté d'apporter une aide à toutes les familles, dans leur diversité. Qu'il prenne la forme de prestations monétaires ou d'aides permettant de développer des services, l'investissement des Caf témoigne d'un engagement de la collectivité, dans une visée universelle, pour accompagner le développement de chaque personne, dès sa naissance, par une présence et un soutien dans son parcours de vie, accentuant, s'il le faut, son aide lorsque la famille est dans la difficulté.

La branche Famille est ainsi présente auprès de chacun tout au long de la vie, auprès de chaque parent, femme ou homme, en fonction de sa situation, en équité : conciliation vie familiale/vie professionnelle, accueil des enfants et des jeunes, lutte contre la pauvreté sont les domaines prioritaires de l'intervention des Caf, qui prend la forme d'une offre globale de service.

Dédiée initialement à la famille, la Branche s'est vue progressivement confier des missions pour le compte de l'Etat et des départements, qui représentent une part importante de son activité.

Les missions emblématiques de la branche Famille sont fondatrices de son cœur de métier :

- Développer des services attentionnés tout au long des parcours de vie de chacun ;
- Garantir un accès efficace au juste droit en améliorant le modèle de délivrance des prestations ;
- Mobiliser les leviers de performance et accompagner les transformations, grâce à une organisation territorialisée, départementale, solidaire et au plus proche des partenaires locaux.

Ces missions passent par les objectifs suivants :

- Répondre aux besoins d'accueil diversifiés des jeunes enfants et de leurs familles dans le cadre du service public de la petite enfance ;
- Réduire les inégalités d'accès des enfants et adolescents aux activités péri et extrascolaires pour favoriser la conciliation entre vie familiale et vie professionnelle et l'épanouissement des enfants ;
- Favoriser l'autonomie et l'accès aux droits des adolescents et des jeunes adultes ;
- Soutenir les parents, en couple, seuls ou séparés, dans l'exercice de leur parentalité, de la naissance à l'adolescence ;
- Favoriser l'accès et le maintien dans le logement notamment des allocataires les plus fragiles ;
- Renforcer la solidarité par le soutien aux politiques d'insertion, d'autonomie et de handicap, en lien avec les partenaires ;
- Sécuriser et accompagner les habitants allocataires dans une relation de confiance centrée sur l'accès aux droits et aux services ;
- Renforcer les coopérations avec les partenaires locaux.

En parallèle, les financements bonifiés versés au titre des contrats enfance et jeunesse (cej) font l'objet d'une réforme prévue par la circulaire Cnaf du 16 janvier 2020. À l'expiration des cej existants, ce dispositif garantit, à l'échelle du territoire de compétences concernées, un maintien des financements précédemment versés. L'ensemble des équipements présents sur un territoire couvert par une Ctg et soutenu financièrement par les collectivités signataires en sera bénéficiaire. La présente convention vise donc à formaliser cet engagement des cofinanceurs dans un objectif de maintien des services aux familles existants.

De plus, le décret n°2021-1644 du 14 décembre 2021 relatif à la gouvernance des services aux familles et au métier d'assistant maternel puis la loi plein emploi de 2023 sont venus poser la gouvernance de l'accueil du jeune enfant dans le cadre de la mise en œuvre du service public de la petite enfance à compter du 01 janvier 2025 faisant des communes les autorités organisatrices de l'accueil du jeune enfant avec l'attribution de quatre compétences : recenser les besoins et l'offre d'accueil, informer et accompagner les familles, planifier le développement de l'offre (obligatoire pour les communes >10 000 habitants) et soutenir la qualité des modes d'accueil. Le décret n° 2025-253 du 20 mars 2025, pris en application de la loi pour le plein emploi du 18 décembre 2023, précise les modalités de mise en œuvre du schéma pluriannuel de maintien et de développement de l'offre d'accueil du jeune enfant. Il s'inscrit dans le cadre du Service Public de la Petite Enfance (SPPE)."""

ARTICLES = [
    ("Objet de la convention", """\
La présente convention territoriale globale (Ctg) formalise le projet de territoire partagé par {signataires} en direction des familles, pour la période {periode}. Elle vise à :

- partager un diagnostic du territoire (annexe 2) ;
- valoriser les actions et services existants (annexe 3) ;
- repérer les besoins non couverts et identifier les priorités pour la durée de la convention ;
- mettre en œuvre le plan d'actions qui en découle (annexe 4) ;
- réaliser un suivi annuel et réajuster si nécessaire.

Elle formalise également l'engagement des cofinanceurs dans un objectif de maintien des services aux familles existants."""),
    ("Engagements des partenaires", """\
{Signataires} s'engagent à mettre en œuvre les moyens nécessaires pour atteindre les objectifs qu'ils se sont assignés dans le plan d'actions de la convention territoriale globale.

La présente convention est conclue dans le cadre des orientations de la Convention d'objectifs et de gestion signée entre l'Etat et la Cnaf. Elle est mise en œuvre dans le respect des dispositifs et des outils relevant des compétences propres de chacune des parties, lesquelles restent libres de s'engager avec leurs partenaires habituels ou d'engager toute action ou toute intervention qu'elles jugeront nécessaire et utile.

La Ctg matérialise également l'engagement conjoint de la Caf et {de_la_collectivite} à poursuivre leur appui financier aux services aux familles du territoire.

À l'issue du (des) contrat(s) enfance et jeunesse passé(s) avec la(es) collectivité(s) signataire(s), la Caf s'engage à conserver le montant des financements bonifiés de N-1 à ce titre et à les répartir directement entre les structures du territoire soutenues par la collectivité locale compétente, sous la forme de « bonus territoire ctg ». Le montant de référence est celui comptabilisé dans les comptes de la Caf en N-1 (charge à payer).

{De_son_cote}, {la_collectivite} {s_engage} à poursuivre {son} soutien financier en ajustant en conséquence la répartition de {sa} contribution pour les équipements et services listés en annexe 3 de la présente convention. Par ailleurs, la petite enfance étant un axe prioritaire de la Convention d'objectifs et de gestion, {la_collectivite} {s_engage} à maintenir le nombre de places existantes et à étudier avec la Caf toute opportunité qui interviendrait sur la période conventionnelle. Ces engagements pourront évoluer en fonction de l'évolution des compétences détenues.

Afin de répondre aux exigences du décret relatif au schéma pluriannuel de maintien et de développement de l'offre d'accueil du jeune enfant prévu à l'article L. 214-1-3 du code de l'action sociale et des familles, la collectivité qui y est tenue établit son schéma pluriannuel de maintien et de développement de l'offre d'accueil du jeune enfant qu'elle transmet au comité départemental des services aux familles (CDSF).

La Caf apporte son soutien à la collectivité locale dans la vérification de la compatibilité (contenu et durée) de son schéma avec le schéma départemental des services aux familles."""),
    ("Échanges de données", """\
Les parties s'engagent réciproquement à se communiquer toutes les informations utiles dans le cadre de l'exécution de la présente convention territoriale globale.

Toutefois, en cas de projet d'échanges de données à caractère personnel, les demandes par l'une des parties feront obligatoirement l'objet d'une étude d'opportunité, de faisabilité et de conformité au Rgpd par l'autre partie, en la qualité de responsable de traitement de cette dernière. Ces demandes seront soumises pour étude et avis préalable au Délégué à la Protection des Données de la partie qui détient les données personnelles demandées. Le Délégué à la Protection des Données pourra être amené à formuler des recommandations spécifiques à chaque échange de données.

Si elles sont mises en œuvre, ces transmissions (ou mises à disposition) de données personnelles respecteront strictement le Règlement Général sur la protection des données (Rgpd), la loi n° 78-17 du 6 Janvier 1978 modifiée relative à l'informatique, aux fichiers et aux libertés ainsi que les décisions, avis ou préconisations de la Commission nationale de l'Informatique et des Libertés (Cnil). La présente convention ne se substitue en rien à la nécessité, pour les responsables de traitement concernés, d'ajouter le traitement de données personnelles ainsi créé à la liste des traitements qu'il doit tenir au titre de l'article 30 du Rgpd."""),
    ("Suivi, bilan et évaluation", """\
Les signataires s'engagent à mettre en œuvre une démarche à visée évaluative structurée autour de deux dimensions complémentaires :

**1. Le suivi continu du plan d'action**

Un tableau de suivi partagé est mis en place dès le démarrage de la CTG dans le but de :

- Actualiser régulièrement les informations (idéalement chaque trimestre).
- Suivre l'état d'avancement des actions.
- Rendre compte des modalités de mise en œuvre, des avancements et des difficultés.

**2. Le pilotage de la démarche évaluative avec la ou les collectivité(s) territoriale(s) en associant ses partenaires (associations, gestionnaires d'équipement, partenaires institutionnels, etc.)**

Le pilotage s'organise autour de trois temps complémentaires en comité de pilotage :

- Des points d'étape annuels pour présenter l'état d'avancement du plan d'action et procéder à des ajustements mineurs si nécessaire.
- Un échange plus approfondi avec la collectivité territoriale à mi-parcours permettant d'examiner les avancées et les difficultés, et de décider d'éventuels ajustements mineurs, ou plus significatifs qui pourraient nécessiter un avenant à la CTG. Cet échange se traduit par la formalisation d'un bilan intermédiaire.
- Un échange associant les partenaires de la collectivité territoriale en fin de période pour analyser les résultats obtenus, évaluer le fonctionnement de la démarche CTG et préparer le renouvellement. Cette réflexion permet de formaliser un bilan final.

Cette organisation permet de maintenir une dynamique partenariale tout au long de la CTG, avec une mobilisation renforcée sur des moments-clés.

Une attention particulière est progressivement portée à l'évaluation des changements engendrés, non pas par chaque dispositif ou action pris isolément, mais par les effets de l'ensemble de ces actions et dispositifs sur le territoire. Cette approche permet d'évaluer le maillage territorial, la réponse aux besoins des habitants et de valoriser la vision globale et territoriale spécifique à la CTG. Il est ainsi attendu que la démarche à visée évaluative rende compte non seulement des réalisations (ce qui a été fait) mais aussi des changements territoriaux (ce qui a évolué pour les habitants du territoire).

Sous la responsabilité du COPIL CTG et avec l'aide de la Caf si nécessaire, les chargés de coopération ou les personnes désignées pour suivre la CTG au sein de la collectivité, conduisent l'évaluation des politiques et des actions mises en œuvre en :

- Développant des partenariats afin de collecter des données et de l'information.
- Concevant les indicateurs de suivi.
- Conduisant les analyses statistiques, cartographiques, quantitatives et qualitatives et des dispositifs d'évaluation.
- Exploitant et communiquant les résultats en s'appuyant sur le chargé de coopération territorial et les chargés de coopération thématiques.

Lorsque la CTG tient lieu de schéma pluriannuel de maintien et de développement de l'offre d'accueil du jeune enfant, ces bilans intermédiaire et final permettent de répondre aux exigences réglementaires prévues à l'article L. 214-2 du CASF. Ainsi, a minima les parties relatives au champ d'intervention « petite enfance » de ces bilans sont communiquées au CDSF. Ces bilans sont soit transmis par courrier ou mail par les signataires de la CTG au CDSF, soit la Caf les transmet au CDSF avec l'accord des signataires de la CTG."""),
    ("Incidences et révision", """\
La présente convention et ses annexes peuvent être modifiées ou complétées par voie d'avenant signé par l'ensemble des parties.

Toutes les clauses de la présente convention et de ses annexes restent inchangées et demeurent applicables tant qu'elles ne sont pas contraires aux stipulations contenues dans un avenant. Ces stipulations prévalent en cas de différence."""),
    ("Effet et durée de la convention", """\
La présente convention prend effet à compter du {debut} et jusqu'au {fin}.

Il est établi un original de la présente convention pour chacun des co-signataires."""),
]

# Annexe 5, from `002_…` (its annexe 2, « Modalités de pilotage stratégique et opérationnel et suivi »).
GOVERNANCE_TEXT = """\
Les instances de pilotage de la CTG s'appuient sur :

- un comité de pilotage, chargé de l'impulsion et de la prise de décision, mais aussi garant du suivi du plan d'action découlant du diagnostic partagé ; il est composé des principaux acteurs décideurs et financeurs représentés à un niveau politique et stratégique. Ce comité se réunit une à deux fois par an ;
- des commissions de travail, structurées par thématique ou par territoire autour des principaux objectifs prioritaires du plan d'action ; leur rôle est de développer une expertise thématique et de garantir la planification des actions dans les domaines sectoriels qui les concernent. Elles sont composées des représentants des acteurs locaux et les opérateurs à un niveau technique et engageant une forte expertise.

Mis au service des projets de territoire, les chargés de coopération sont, par leur capacité à mobiliser les expertises et les ressources, de véritables leviers d'aide à la décision des élus et des acteurs du territoire. Ils sont mobilisés notamment au titre du SPPE sur différents aspects :

- l'aide à la décision notamment dans une perspective de transfert ou de prise de compétences des communes ou des intercommunalités sur les champs qui intéressent le déploiement des services sur le territoire ;
- l'animation et la mise en synergie d'un réseau d'acteurs et de soutien aux initiatives des habitants ;
- la mobilisation des dispositifs et ressources mobilisables et en particulier les communautés professionnelles agissant en matière de qualité des équipements et services ;
- la conduite des démarches de diagnostic et d'évaluation.

Véritable stratégie pour animer et faire vivre le projet du territoire, la mobilisation des fonctions de coopération est coconstruite par les signataires de la CTG. Les chargés de coopération sont pleinement mobilisés sur le suivi de la CTG. Ils font le lien entre le Copil CTG et les différentes instances thématiques."""


def placeholders(caf, collectivites, start, end):
    """The values of the placeholders for a convention of `caf` with `collectivites`
    (organisations, in order) from `start` to `end`."""
    several = len(collectivites) > 1
    signataires = joined(with_article(o.name) for o in [caf, *collectivites])
    return {
        "caf": with_article(caf.name),
        "signataires": signataires,
        "Signataires": signataires[:1].upper() + signataires[1:],
        "la_collectivite": "les collectivités signataires" if several else "la collectivité",
        "de_la_collectivite": "des collectivités signataires" if several else "de la collectivité",
        "s_engage": "s'engagent" if several else "s'engage",
        "De_son_cote": "De leur côté" if several else "De son côté",
        "son": "leur" if several else "son",
        "sa": "leur" if several else "sa",
        "debut": f"{start:%d/%m/%Y}",
        "fin": f"{end:%d/%m/%Y}",
        "periode": f"{start.year}-{end.year}",
    }


def model_body(caf, collectivites, start, end):
    """The model body of a new convention: {"visas": [text], "preamble": text,
    "articles": [(title, body)], "governance_text": text}."""
    values = placeholders(caf, collectivites, start, end)
    visas = [visa.format(**values) for visa in VISAS] + [
        COLLECTIVITE_VISA.format(assembly=assembly_of(o), name=with_article(o.name)) for o in collectivites
    ]
    visas[-1] = visas[-1].removesuffix(" ;") + "."
    return {
        "visas": visas,
        "preamble": PREAMBLE,
        "articles": [(title, body.format(**values)) for title, body in ARTICLES],
        "governance_text": GOVERNANCE_TEXT,
    }


# The usual indicators of the Caf's portrait de territoire (`003_…`), offered as rows of annexe 2:
# (indicator, unit).
PORTRAIT_INDICATORS = [
    ("Nombre de naissances", "nombre"),
    ("Enfants de 0 à 2 ans", "nombre"),
    ("Évolution du nombre d'enfants de 0 à 2 ans", "%"),
    ("Part des enfants de 0-2 ans avec parents biactifs ou monoparent actif occupé", "%"),
    ("Assistantes maternelles agréées", "nombre"),
    ("Assistantes maternelles actives", "nombre"),
    ("Part des assistantes maternelles de 60 ans et plus", "%"),
    ("Places en MAM", "places"),
    ("Places en micro-crèche Paje", "places"),
    ("Places en EAJE PSU", "places"),
    ("Taux de couverture petite enfance", "%"),
]
