# sshsuite.openssh: the two commands of the quick start are `make demo` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
REQS := requirements.txt requirements-dev.txt
VENV_STAMP := $(VENV)/.stamp-$(shell cat $(REQS) 2>/dev/null | sha256sum | cut -c1-12)
# Release tools (galaxy-importer, antsibull-*, ansible-builder, ansible-runner) in a venv of their own.
RELEASE_VENV := .venv-release
RELEASE_BIN := $(CURDIR)/$(RELEASE_VENV)/bin
RELEASE_STAMP := $(RELEASE_VENV)/.stamp-$(shell cat requirements-release.txt 2>/dev/null | sha256sum | cut -c1-12)
VERSION := $(shell sed -n 's/^version: *//p' galaxy.yml)
TARBALL := .cache/build/sshsuite-openssh-$(VERSION).tar.gz
# One EE image tag per checkout, so that two checkouts on one machine never test each other's image.
EE_IMAGE := localhost/sshsuite-ee:$(VERSION)-$(shell printf %s "$(CURDIR)" | sha256sum | cut -c1-8)
COLLECTION_LINK := .collections/ansible_collections/sshsuite/openssh
SCENARIOS ?= $(sort $(notdir $(patsubst %/molecule.yml,%,$(wildcard molecule/*/molecule.yml))))

# Every target below runs with the venv first on PATH and the lab image names exported.
export PATH := $(CURDIR)/$(BIN):$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/.collections
IMAGE_ENV = $$(lab/images.sh env | sed 's/^/export /')
export STAGES := $(CURDIR)/.cache/stages.txt

.PHONY: help setup host venv release-venv link images demo demo-lab demo-clean test lint unit molecule bench build build-check \
	sanity galaxy-import changelog changelog-lint docs docs-check ee test-ee ee-clean clean

help:
	@echo "make demo        build the lab, run site.yml against it, show the result"
	@echo "make test        lint, unit tests, sanity, Galaxy import, docs, EE, every Molecule scenario"
	@echo "make molecule SCENARIO=name   one scenario (molecule test)"
	@echo "make bench       benchmarks (figures, no assertions)"
	@echo "make demo-clean  remove the demo lab"
	@echo "make build       ansible-galaxy collection build"
	@echo "make sanity      ansible-test sanity (Python 3.11, no ignore file)"
	@echo "make galaxy-import   Galaxy's importer on the built tarball (offline)"
	@echo "make docs        regenerate role variable tables, docs/reference and the changelog"
	@echo "make changelog   record changelogs/fragments in changelog.yaml, write CHANGELOG.md/.rst"
	@echo "make ee          build the execution environment offline, run site.yml in it twice against"
	@echo "                 a fresh lab (ansible-runner, as AWX does); the lab stays up (make ee-clean)"
	@echo "make test-ee     the same, then the lab is removed (a stage of make test)"

## setup: Debian packages, podman settings, venv, collection link, lab images (idempotent)
setup: host venv release-venv link images

host:
	@if [ "$$(id -u)" = 0 ]; then bash lab/host-setup.sh; \
	 else echo "setup: not root, skipping lab/host-setup.sh (packages, podman config, sysctl)"; fi

venv: $(VENV_STAMP)
$(VENV_STAMP): $(REQS)
	rm -f $(VENV)/.stamp-*
	[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

release-venv: $(RELEASE_STAMP)
$(RELEASE_STAMP): requirements-release.txt
	rm -f $(RELEASE_VENV)/.stamp-*
	[ -x $(RELEASE_VENV)/bin/python ] || $(PYTHON) -m venv $(RELEASE_VENV)
	$(RELEASE_VENV)/bin/pip install -q --disable-pip-version-check -r requirements-release.txt
	touch $@

link:
	@mkdir -p $(dir $(COLLECTION_LINK))
	@[ -L $(COLLECTION_LINK) ] || ln -sfn $(CURDIR) $(COLLECTION_LINK)

images:
	@lab/images.sh build

## demo
demo: setup demo-lab
	eval "$(IMAGE_ENV)"; ansible-playbook -i inventories/lab site.yml
	eval "$(IMAGE_ENV)"; ansible-playbook -i inventories/lab lab/demo/report.yml

demo-lab:
	eval "$(IMAGE_ENV)"; ansible-playbook -i inventories/lab lab/demo/lab.yml

demo-clean:
	ansible-playbook -i inventories/lab lab/demo/lab.yml -e state=absent

## test: everything CI runs, with the time of each stage
test: setup
	@mkdir -p .cache; : > $(STAGES); eval "$(IMAGE_ENV)"; rc=0; \
	 lab/stage.sh yamllint yamllint -s . || rc=1; \
	 lab/stage.sh ansible-lint ansible-lint --profile production -q || rc=1; \
	 lab/stage.sh "unit tests (empty /run)" lab/fresh.sh pytest -q -p no:cacheprovider tests/unit || rc=1; \
	 lab/stage.sh "collection build" $(MAKE) -s build-check || rc=1; \
	 lab/stage.sh "ansible-test sanity" lab/sanity/run.sh || rc=1; \
	 lab/stage.sh "galaxy-importer" $(MAKE) -s galaxy-import || rc=1; \
	 lab/stage.sh "changelog lint" $(RELEASE_BIN)/antsibull-changelog lint || rc=1; \
	 lab/stage.sh "generated docs up to date" $(MAKE) -s docs-check || rc=1; \
	 lab/stage.sh "execution environment" $(MAKE) -s test-ee || rc=1; \
	 for s in $(SCENARIOS); do lab/stage.sh "molecule $$s" molecule test -s $$s || rc=1; done; \
	 echo; echo "== make test: time per stage"; cat $(STAGES); \
	 awk '{t+=$$(NF-2)} END {printf "%-32s %5d s\n", "total", t}' $(STAGES); \
	 exit $$rc

lint: setup
	yamllint -s .
	ansible-lint --profile production -q

unit: setup
	lab/fresh.sh pytest -q -p no:cacheprovider tests/unit

molecule: setup
	eval "$(IMAGE_ENV)"; molecule test -s $(SCENARIO)

bench: setup
	@for b in bench/*/run.sh; do echo "==> $$b"; bash $$b; done

build: link
	ansible-galaxy collection build --force --output-path .cache/build .

# The Galaxy tarball must hold no lab state, venv, caches or bench results.
build-check: build
	@if tar tzf .cache/build/sshsuite-openssh-*.tar.gz | grep -E '(^|/)(\.lab|\.venv|\.cache|\.collections|__pycache__|\.molecule)(/|$$)|bench/results|\.pyc$$'; then \
	   echo "build-check: the tarball holds files it must not (above)"; exit 1; fi
	@echo "build-check: $$(tar tzf .cache/build/sshsuite-openssh-*.tar.gz | wc -l) files, no lab state, venv or caches"

## release readiness (issue 14): sanity, Galaxy import, changelog, generated docs
sanity: setup
	lab/sanity/run.sh

galaxy-import: build release-venv
	lab/galaxy-import.sh $(TARBALL)

changelog: release-venv link
	PATH=$(RELEASE_BIN):$$PATH antsibull-changelog release --reload-plugins --refresh-fragments without-archives

changelog-lint: release-venv
	$(RELEASE_BIN)/antsibull-changelog lint

docs: release-venv link changelog
	PATH=$(RELEASE_BIN):$$PATH python lab/docs.py

docs-check: release-venv link
	lab/docs-check.sh $(MAKE) -s docs

## execution environment (ee/README.md): built offline, site.yml run in it by ansible-runner
ee: build release-venv images
	ee/build.sh $(TARBALL) $(EE_IMAGE)
	ee/run.sh test $(EE_IMAGE) --keep

test-ee: build release-venv images
	ee/build.sh $(TARBALL) $(EE_IMAGE)
	ee/run.sh test $(EE_IMAGE)

ee-clean:
	ee/run.sh down
	podman rmi --ignore $(EE_IMAGE) >/dev/null

clean: demo-clean ee-clean
	rm -rf .cache .collections
