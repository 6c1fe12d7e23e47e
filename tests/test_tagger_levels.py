"""Requirement levels from real posting fragments: sections, clause cues, role-headed lists,
negation, and Portuguese headings.

Fragments are quoted from the HN corpus (comment id in the comment) or the GitHub issue boards.
"""

from __future__ import annotations

import pytest

from analyzer.extract.levels import heading_level, strongest
from analyzer.extract.tagger import Tagger


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger()


@pytest.mark.parametrize(
    ("text", "family", "level"),
    [
        # required: clause cues and requirement sections
        (
            "Experience with cloud technologies such as AWS, Google Cloud",
            "cloud",
            "required",
        ),  # 34617109
        (
            "We are looking for someone who is well versed in both Python and AWS",
            "cloud",
            "required",
        ),
        (
            "Must be proficient with Ruby and Ruby on Rails, Javascript and jQuery, AWS and S3",
            "cloud",
            "required",
        ),
        ("What we're looking for:\n- Python\n- Docker and Kubernetes", "containers", "required"),
        # required: a skill list headed by the role (21129099, 14024271)
        ("-Backend Engineer: Python, Ruby, Elixir, Heroku AWS", "cloud", "required"),
        (
            "Senior/Lead Backend Engineer (Python, Django, Django Rest Framework, Postgres, AWS)",
            "cloud",
            "required",
        ),
        # duty: what the role will do (3790006, 34232202)
        ("You'll also work on our cloud systems, hosted in Amazon AWS", "cloud", "duty"),
        (
            "Responsibilities:\n- Operating and orchestrating our cloud infrastructure",
            "cloud",
            "duty",
        ),
        ("- Build and maintain CI/CD pipelines for all services", "ci_cd", "duty"),
        # preferred: a plus, bonus, nice to have (6144291, 47979344, 11203105)
        (
            "Bonuses:\niOS and/or Android app development experience\nAWS knowledge (EC2/S3/RDS)",
            "cloud",
            "preferred",
        ),
        ("Big pluses:\n- DevOps experience\n- AWS experience", "cloud", "preferred"),
        ("competency in Kubernetes and AWS is a plus", "containers", "preferred"),
        ("Extra points: Experience with EC2, S3", "cloud", "preferred"),
        # stack: the company uses it (17206342, 16498310)
        ("We're running on AWS", "cloud", "stack"),
        ("Tech We Use: Scala/Java/Python/Docker/Kubernetes", "containers", "stack"),
        ("Our stack:\n- Python, Postgres, AWS", "cloud", "stack"),
        # duty: items opened by a work verb, imperative or gerund, even when "our ..." follows
        # (34232202, 9848340, 15149746)
        ("- Operating and orchestrating our cloud infrastructure", "cloud", "duty"),
        (
            "Follow best practices (testing, continuous integration, SCRUM, refactoring)",
            "ci_cd",
            "duty",
        ),
        ("* Automating more of our AWS infrastructure", "cloud", "duty"),
        # ... also after the role's label (14901834, 6317632, 47603702)
        (
            "* Senior backend engineer: Work on Weave Cloud and our open source cloud native "
            "projects Weave Net, Scope, Flux and Cortex",
            "ci_cd",
            "duty",
        ),
        (
            "* Lead Backend Engineer - Developing new marketplace and web-based tools on Ruby on "
            "Rails, Heroku, AWS S3, Javascript.",
            "cloud",
            "duty",
        ),
        (
            "Machine Learning Infra Engineer: Own our GPU-backed serving stack, Kubernetes "
            "clusters, and media serving layer.",
            "containers",
            "duty",
        ),
        # ... but not a title ("Lead Backend Engineer"), a "Build / Deploy is" field, or an item
        # that says what the company runs (46469166, 10157027, 12628294)
        ("Lead Infra/Backend Engineer [Tech Stack: AWS]", "cloud", "stack"),
        ("Build / Deploy is Jenkins and Ansible.", "ci_cd", "stack"),
        (
            "* Building distributed systems: we run a stream data pipeline on AWS with Kafka, "
            "EC2, Postgres, DynamoDB, S3, and friends.",
            "cloud",
            "stack",
        ),
        # required: skill-list fields of an HN header after the role's field (36153364, 24970847)
        (
            "ML6 | Machine Learning Engineer, Data Engineer | Python, TensorFlow, Google Cloud "
            "Platform | Full-time | Amsterdam, Berlin, Ghent (EU)",
            "cloud",
            "required",
        ),
        # ... not before a role field, nor a field the role heads with a comma (team names)
        # (10659890, 47984038)
        ("Semaphore CI | Europe | Full-time | REMOTE", "ci_cd", "absent"),
        (
            "ML Engineer, Cloud Platform — Design and scale the core infrastructure for serving",
            "cloud",
            "stack",
        ),
        # a "full-stack" role heads its skill list; "stack" there is no stack cue (13302383)
        ("* Full-stack developer (NodeJS, Java, C#, AWS, Azure)", "cloud", "required"),
        # "for Developers" names an audience, not a role named after the skill (8449242)
        ("Linode - Cloud Hosting for Developers", "cloud", "stack"),
        # "helping people" is no duty cue; a number makes "years" a requirement (6655564, 15608930)
        (
            "We are a well-funded ($1M+) startup located in Berkeley, helping people work across "
            "cloud services easier.",
            "cloud",
            "stack",
        ),
        (
            "Our roadmap for this year contains -amongst other things- moving parts of our "
            "infrastructure to Docker (we already run parts of our production system in Docker)",
            "containers",
            "stack",
        ),
        # absent: the skill names a customer, an investor or where the team comes from
        # (20085470, 14492613, 25267892)
        (
            "We're processing billions of events daily and maintain the analytics infrastructure "
            "for companies like DigitalOcean, Instacart, New Relic, and Docker.",
            "observability",
            "absent",
        ),
        (
            "Our team comes from top companies like Google, Amazon, Apple, Microsoft, Docker, "
            "Twitter, and Square.",
            "containers",
            "absent",
        ),
        (
            "Ripcord has raised $110 million from leading investors including CDK Global, "
            "Kleiner Perkins, GV",
            "iac",
            "absent",
        ),
        # the employer's name opening a posting is not a skill; a role title is (8823979, 13306026,
        # 16502889)
        ("PagerDuty - San Francisco and Toronto, Full time", "observability", "absent"),
        ("Kinesis | Full Stack Web Developer | Sydney, Australia | Full-time", "cloud", "absent"),
        ("Cloud Engineer | JP Morgan - Wilmington, DE - Columbus, OH", "cloud", "duty"),
        # "get to work with" lists what the team uses (15389575); "You can expect to:" heads duties
        # (13637765)
        (
            "Some things you'd get to work with here: React, Golang, PHP, Docker + Kubernetes on "
            "Google Cloud Platform, Redis, MongoDB and MySQL.",
            "containers",
            "stack",
        ),
        ("You can expect to:\nUse Chef and AWS OpsWorks to manage configurations.", "iac", "duty"),
        # a bracketed skill list on the line under a role's title is role-headed (47976749,
        # 15611013); a bracketed aside under a company line is not (4860218)
        (
            "Open Roles:\n++ Platform Engineer (Python, GCP & Azure)\n"
            "[Kubernetes, Terraform, Python, GCP, Azure, CI/CD]\n++ Platform / Data Engineer",
            "iac",
            "required",
        ),
        (
            "Data Engineer in the Quantitative Trading field\n"
            "(Python, Spark, AWS, Mesos, Docker, Tensorflow, GPU’s)",
            "containers",
            "required",
        ),
        (
            "Stormpulse - Full-time in Austin, TX\n(We are patio11's first angel investment on AWS!)",
            "cloud",
            "stack",
        ),
        # a section heading with a long aside still sets its section (34617109)
        (
            "Position Nice to Haves (if you don't know these already, we will help you learn on "
            "the job):\n- Systems and network administration experience. For example, managing "
            "firewalls and routers, working with automation tools like SaltStack",
            "iac",
            "preferred",
        ),
        (
            "Testing/QA skill sets:\n\n- Continuous Integration\n- Selenium testing",
            "ci_cd",
            "required",
        ),  # 7509611
        # levels.v4: a wish to learn is preferred (7164273); a plain "want to" is not
        (
            "you should want to learn more about and become an expert in automated testing, "
            "continuous integration, and monitoring everything",
            "ci_cd",
            "preferred",
        ),
        ("* You want to ship: Continuous integration, continuous delivery", "ci_cd", "stack"),
        # levels.v4: a bracketed stack aside governs what follows it in the brackets (4466029),
        # but a bracketed skill list without a stack cue stays a role-headed list (14024271)
        (
            "- Build realtime, distributed services for trending, metrics and search applications "
            "(stack: AWS deployed Redis, MongoDb & ElasticSearch).",
            "cloud",
            "stack",
        ),
        (
            "- Build realtime, distributed services for trending, metrics and search applications "
            "(AWS deployed Redis, MongoDb & ElasticSearch).",
            "cloud",
            "duty",
        ),
        # levels.v4: "diving deep into" is a duty, not a "deep knowledge" requirement (16971408)
        (
            "You'll be diving deep into Kubernetes, AWS, Ubuntu, Node.js and Salt.",
            "containers",
            "duty",
        ),
        ("Deep knowledge of Kubernetes, AWS, Ubuntu", "containers", "required"),
        # levels.v4: a closed aside's cues stay in the aside (18360249): its "we use" and its
        # negation say nothing of the duty list after it; a negation around the skill still counts
        (
            "- Linux DevOps (no previous blockchain experience required): must be comfortable "
            "working with opensource workflows (pullrequests, code review, git, etc), with main "
            "responsibilities including packaging(deb/rpm+snap+flatpak), CI curation (we use "
            "GitLab+AzureDevOps), cloud infrastructure (AWS,Kubernetes,TerraForm...).",
            "containers",
            "duty",
        ),
        (
            "- Linux DevOps: must be comfortable with Linux (no Kubernetes experience needed)",
            "containers",
            "stack",
        ),
        # negation: stack at most
        ("No Kubernetes experience needed, we will teach you", "containers", "stack"),
        # absent
        ("We build beautiful mobile apps in Swift", "cloud", "absent"),
    ],
)
def test_level_of_real_fragment(tagger: Tagger, text: str, family: str, level: str) -> None:
    """The family gets the level the annotation guide gives this fragment."""
    assert tagger.tag(text).levels[family] == level


def test_strongest_level_wins(tagger: Tagger) -> None:
    """A family mentioned as stack and as required is required (the guide's order)."""
    text = "Our stack: Python, AWS, Postgres.\nRequirements:\n- 3+ years of experience with AWS"
    assert tagger.tag(text).levels["cloud"] == "required"
    assert strongest(["stack", "preferred", "duty"]) == "duty"
    assert strongest([]) == "absent"


@pytest.mark.parametrize(
    ("heading", "level"),
    [
        ("Requirements:", "required"),
        ("What we're looking for", "required"),
        ("Nice to have:", "preferred"),
        ("Bonus points", "preferred"),
        ("Responsibilities", "duty"),
        ("What you'll do:", "duty"),
        ("Our stack:", "stack"),
        ("About us", "about"),
        # decorated headings (9997498)
        ("== What you will build ==", "duty"),
        ("**Requirements**", "required"),
        # Portuguese headings of the GitHub issue boards
        ("Requisitos:", "required"),
        ("## Requisitos obrigatórios", "required"),
        ("Diferenciais:", "preferred"),
        ("Desejáveis", "preferred"),
        ("Responsabilidades:", "duty"),
        ("Atividades:", "duty"),
        ("Benefícios", "about"),
        # "skill set(s)" headings (7509611, 8983896)
        ("DevOp skill sets:", "required"),
        ("Required skill set:", "required"),
        ("Further skill sets which would be highly valued:", "preferred"),  # 14046154
        # a long parenthetical aside keeps a heading a heading; its own words decide first
        # (34617109, 25029987, 14464179)
        (
            "Position Nice to Haves (if you don't know these already, we will help you learn on "
            "the job):",
            "preferred",
        ),
        (
            "Our tech stack (we're not looking for expertise in all of these - just to give a "
            "flavor for our environment):",
            "stack",
        ),
        (
            "Today our stack includes the following (it's constantly evolving, we're right tool "
            "for the job people):",
            "stack",
        ),
        # not headings
        ("We use Python and AWS to build great things for our customers every day", None),
        # a bulleted item with an aside is a sub-list's lead-in, not a heading (15602084)
        (
            "- You've built things with our stack before (or can google and learn how to quickly):",
            None,
        ),
        ("- iOS and/or Android app development experience", None),
    ],
)
def test_heading_levels(heading: str, level: str | None) -> None:
    """Section headings, English and Portuguese, set the level of the lines under them."""
    assert heading_level(heading) == level


def test_lead_in_sentence_heads_only_its_list(tagger: Tagger) -> None:
    """A long line ending in a lead-in sentence with a colon sets the level of the list under it,
    and the next plain paragraph leaves that list (9997498, 16736467)."""
    text = (
        "Most roles require willingness to work on Nodejs, however we gravitate towards using "
        "the right tool for the job. Experience with some of the following required:\n"
        "- Building and scaling a modern infrastructure stack with Docker and Mesos\n"
    )
    assert tagger.tag(text).levels["containers"] == "required"
    text = (
        "Passionate about dev tools and developer productivity? Then this might interest you. "
        "Currently looking for folks to work on:\n"
        "* Azure Notebooks: Jupyter as a Service. (https://notebooks.azure.com)\n"
        "Azure Notebooks is a mix of C#/.Net (FE) and Linux/Docker (BE).\n"
    )
    assert tagger.tag(text).levels["containers"] == "stack"
    text = (
        "We're looking for anyone who does & loves any of the following. Overlapping skills or "
        "full-stack is a big plus:\nDevOps: Gitlab, CI/CD, AWS, Terraform, Ansible, docker\n"
    )
    assert tagger.tag(text).levels["ci_cd"] == "required"


def test_portuguese_sections(tagger: Tagger) -> None:
    """Levels come from Portuguese section headings in a GitHub-board posting (markdown)."""
    text = (
        "## Atividades\n"
        "- Manter pipelines de CI/CD\n"
        "## Requisitos\n"
        "- Experiência com Docker e Kubernetes\n"
        "## Diferenciais\n"
        "- Terraform\n"
        "- AWS\n"
    )
    levels = tagger.tag(text).levels
    assert levels["ci_cd"] == "duty"
    assert levels["containers"] == "required"
    assert levels["iac"] == "preferred"
    assert levels["cloud"] == "preferred"


def test_mention_offsets_point_at_the_skill(tagger: Tagger) -> None:
    """Each mention's start/end slice the text to the alias that was found."""
    text = "Requirements: 2+ years with Kubernetes and Terraform."
    result = tagger.tag(text)
    assert {text[m.start : m.end] for m in result.skills} == {"Kubernetes", "Terraform"}


def test_tag_many_streams_in_order(tagger: Tagger) -> None:
    """tag_many yields one result per input, in order, across batch boundaries."""
    texts = ["We run on AWS", "Docker experience required", "nothing here"] * 5
    results = list(tagger.tag_many(iter(texts), batch_size=4))
    assert len(results) == 15
    assert [r.levels["cloud"] for r in results[:3]] == ["stack", "absent", "absent"]
    assert results[4].levels["containers"] == "required"


def test_version_names_every_component(tagger: Tagger) -> None:
    """The tagger version names keywords, levels, roles and taxonomy versions."""
    parts = tagger.version.split("+")
    assert parts[0].startswith("keywords.v") and parts[1].startswith("levels.v")
    assert parts[2].startswith("roles.v") and parts[3].startswith("taxonomy.")
