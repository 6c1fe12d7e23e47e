"""Each skill family is found in real posting fragments, and look-alikes are not.

Every fragment below is quoted from the HN "Who is hiring?" corpus (comment id in the comment).
"""

from __future__ import annotations

import pytest

from analyzer.extract.tagger import Tagger


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger()


def families(tagger: Tagger, text: str) -> dict[str, str]:
    return {f: lv for f, lv in tagger.tag(text).levels.items() if lv != "absent"}


@pytest.mark.parametrize(
    ("fragment", "family", "skill"),
    [
        # 34617109
        ("Experience with cloud technologies such as AWS, Google Cloud", "cloud", "AWS"),
        # 16284306
        ("DevOps Engineer: AWS, Python, Security focused", "cloud", "AWS"),
        # 11203105
        ("- Amazon Web Services (EC2, RDS, Redshift)", "cloud", "AWS"),
        # 8449242
        ("Stack: Python, TypeScript, Postgres, Kubernetes, GCP", "cloud", "GCP"),
        ("Stack: Python, TypeScript, Postgres, Kubernetes, GCP", "containers", "Kubernetes"),
        # 12221018
        (
            "building a bespoke PaaS using the latest tech like Docker, Amazon ECS, Kubernetes",
            "containers",
            "Docker",
        ),
        # 12221018 (ECS counts for containers and cloud)
        (
            "building a bespoke PaaS using the latest tech like Docker, Amazon ECS, Kubernetes",
            "cloud",
            "ECS",
        ),
        # 23710459
        (
            "DevOps: Gitlab, CI/CD, AWS, Terraform, Ansible, docker, Ubuntu",
            "ci_cd",
            "CI/CD (practice)",
        ),
        ("DevOps: Gitlab, CI/CD, AWS, Terraform, Ansible, docker, Ubuntu", "iac", "Terraform"),
        ("DevOps: Gitlab, CI/CD, AWS, Terraform, Ansible, docker, Ubuntu", "iac", "Ansible"),
        # 21129099
        ("-DevOps Engineer: Security, Terraform, AWS, Heroku, Circle CI", "ci_cd", "CircleCI"),
        # 5638468
        ("including EC2, Rails, Node.js, MySQL, Redis, Memcache, and Chef", "iac", "Chef"),
        # 7509611
        ("- NewRelic or Sentry for error tracking", "observability", "New Relic"),
        # 14901834
        (
            "sister technologies such as Docker, Kubernetes, and Prometheus",
            "observability",
            "Prometheus",
        ),
        # 34232202
        (
            "- Defining adequate monitoring of our cloud services and virtual machines",
            "observability",
            "Monitoring (generic)",
        ),
        # 5639874 / 19798817: "monitor" as a verb, next to deploying or troubleshooting systems
        (
            "- Develop tools to deploy, manage, monitor and troubleshoot HPC systems at scale.",
            "observability",
            "Monitoring (generic)",
        ),
        (
            "Can install, provision, manage, monitor and troubleshoot Linux servers",
            "observability",
            "Monitoring (generic)",
        ),
        # 9639269
        (
            "- Monitor servers and services within FormAssembly",
            "observability",
            "Monitoring (generic)",
        ),
        # 46857875: SST, the AWS CDK-based framework
        ("Stack: TypeScript, React, Python, Flask, Jazz.tools, SST, AWS", "iac", "CloudFormation"),
        # 16980964
        (
            "Experience with microservices architecture, Kafka, Java and/or Kotlin",
            "microservices",
            "Microservices",
        ),
        # taxonomy.3: the verb "monitor" with a production object (14028528, 10312927, 7508002)
        (
            "* Develop tools to improve our ability to rapidly deploy and effectively monitor "
            "our application stack.",
            "observability",
            "Monitoring (generic)",
        ),
        (
            "We now orchestrate and monitor the Snowplow event pipeline across more than 40 "
            "customer-owned AWS accounts",
            "observability",
            "Monitoring (generic)",
        ),
        # instrumentation of software still counts (16968598)
        (
            "Implement proper instrumentation and logging.",
            "observability",
            "Monitoring (generic)",
        ),
        # taxonomy.3: Sentry in a tool list next to Heroku (16742679)
        (
            "Microservices-based architecture, ES2017, Node+Express, GraphQL, AngularJS, "
            "Mongo+Mongoose, Heroku, Sentry,… We maintain a RaspberryPi-hosted embedded version",
            "observability",
            "Sentry",
        ),
        # taxonomy.3: "Chef/Puppet" counts for both tools (14244541)
        (
            "* DevOps Engineers - Docker/Kubernetes/Terraform, AWS, Ansible/Chef/Puppet",
            "iac",
            "Puppet",
        ),
    ],
)
def test_family_found_in_real_fragment(
    tagger: Tagger, fragment: str, family: str, skill: str
) -> None:
    """A real fragment naming a tool or practice of a family yields a mention of that skill."""
    result = tagger.tag(fragment)
    assert (skill, family) in {(m.skill, m.family) for m in result.skills}
    assert result.levels[family] != "absent"


@pytest.mark.parametrize(
    ("fragment", "family"),
    [
        # 11816620: a chef who cooks
        (
            "We have chefs on staff that cook amazing lunches we all enjoy family-style every day",
            "iac",
        ),
        # 13766033
        ("* Deliciously healthy chef-cooked meals", "iac"),
        # 11209262 / 18117196: SoundCloud is a company, not a cloud skill
        ("SoundCloud | Berlin | Full-Time | ONSITE, VISA", "cloud"),
        (
            "We help provide a blockchain based alternative to SoundCloud to help artists publish",
            "cloud",
        ),
        # 10673108: servlet containers are not Docker containers
        ("5+ years of experience using Java technology stack and servlet containers", "containers"),
        # 6827564 / 7326463: shipping containers
        (
            "Building hardware to put inside of shipping containers so our customers get realtime "
            "visibility into their supply chain",
            "containers",
        ),
        ("Weft tracks shipping containers using low-cost hardware", "containers"),
        # 11614020: monitoring patients
        (
            "We build a connected vitals monitoring system for patients who are not currently "
            "monitored",
            "observability",
        ),
        # 17208733 / 7330900: marketing clouds
        ("(Qlikview, Omniture, Adobe Marketing Cloud, SQL)", "cloud"),
        (
            'the ExactTarget Marketing Cloud team shows you what being "Orange" is all about!',
            "cloud",
        ),
        # 5474622 / 8982690: "cloud-based" as product marketing
        ("We've revolutionized the cloud-based transactional email space", "cloud"),
        ("We make cloud-based monitoring systems to provide real-time data", "observability"),
        # 11815215: at the helm
        ("we've got experienced people at the helm, and it is amazing to see", "containers"),
        # 8396489 / 12630153: "pager duty" is being on call, not the PagerDuty tool
        ("take pager duty 1 out of every 6 weeks", "observability"),
        ("This role does not include 24/7 pager duty", "observability"),
        # 35479380: ECS as in entity-component-system
        ("Creating a C++/ECS-based game engine that will go commercial", "containers"),
        # 16498310: sales monitoring is a product feature
        (
            "help our customers (email editor, CRM, sales monitoring, site tracking/analytics, "
            "landing page editor)",
            "observability",
        ),
        # 17667045: a link to the Sentry job board
        ("Full-Stack/Product Engineer(https://sentry.io/jobs/903169/)", "observability"),
        # 16742679-style: "Go" the language is not a DevOps skill of any family
        ("Our backend is written in Go and we love it", "cloud"),
        # taxonomy.3: "monitor" needs a technical object right after it (6827892, 19799067-style)
        ("- Laptop including external monitor and mouse", "observability"),
        ("we help clinicians monitor patients at home after surgery", "observability"),
        # taxonomy.3: monitoring as an industry a product serves (15825968), and instrumentation
        # of physical structures (34621175)
        (
            "TimescaleDB is a key building block across a range of industries: IoT, DevOps, "
            "monitoring, eventing, finance, industrial, logistics, transportation",
            "observability",
        ),
        (
            "We are a leading provider of geotechnical and structural monitoring instrumentation "
            "and services across Australia.",
            "observability",
        ),
        # 13084431: Apache Sentry, an authorization module, with no tool list around it
        (
            "This is a fantastic opportunity to join Cloudera's engineering efforts for Sentry.",
            "observability",
        ),
    ],
)
def test_look_alike_is_not_a_skill(tagger: Tagger, fragment: str, family: str) -> None:
    """A look-alike word in its non-technical sense does not count for the family."""
    assert tagger.tag(fragment).levels[family] == "absent"


def test_ambiguous_alias_needs_technical_context(tagger: Tagger) -> None:
    """'Puppet' and 'Salt' count only next to configuration-management context."""
    assert (
        families(tagger, "Experience with Puppet or Salt to manage our servers")["iac"]
        == "required"
    )
    assert "iac" not in families(tagger, "We sell salt and pepper; the puppet show starts at 5")


def test_portuguese_posting_finds_skills(tagger: Tagger) -> None:
    """A GitHub-board posting in Portuguese (frontendbr/backend-br style) still yields skills."""
    text = (
        "Requisitos Técnicos — Backend\n"
        "Docker (build, env vars) e Rancher/Kubernetes (deploy, pods, logs).\n"
        "Diferenciais:\n"
        "Caching com Redis; pipelines GitLab CI.\n"
    )
    levels = tagger.tag(text).levels
    assert levels["containers"] == "required"
    assert levels["ci_cd"] == "preferred"
