#!/usr/bin/env bash
# The pinned tool environments: Pythons found (pyenv's, never its shims), venvs made with uv from
# hacking/requirements/, and the pinned tox.
# Sourced by hacking/lib.sh; shellcheck sees its variables there.
# shellcheck disable=SC2034

find_python() {
    # $1 = X.Y; prefers pyenv's real interpreter over its shims (which break ansible-test).
    local version=$1 candidate
    if command -v pyenv >/dev/null 2>&1; then
        for candidate in "$(pyenv root)"/versions/"${version}".*/bin/python"${version}"; do
            [ -x "$candidate" ] && { echo "$candidate"; return 0; }
        done
    fi
    candidate=$(command -v "python${version}" || true)
    if [ -n "$candidate" ] && "$candidate" -c 'import sys' >/dev/null 2>&1; then
        echo "$candidate"
        return 0
    fi
    if [ "$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')" = "$version" ]; then
        command -v python3
        return 0
    fi
    echo "python${version} not found" >&2
    return 1
}

# ensure_venv DIR PYTHON_VERSION REQUIREMENTS_FILE...: create or refresh a venv of a tool that
# no tox env runs (tox itself, LocalStack, the release tools, the AWS CLI), with uv; the stamp
# holds a hash of the requirement files so a change of pins rebuilds it.
ensure_venv() {
    local dir=$1 version=$2 python stamp
    shift 2
    stamp=$(cat "$@" | sha256sum | cut -c1-16)
    if [ -f "${dir}/.stamp" ] && [ "$(cat "${dir}/.stamp")" = "$stamp" ]; then
        return 0
    fi
    ensure_tox || return 1
    python=$(find_python "$version") || return 1
    log "creating ${dir#"${REPO_ROOT}"/} with ${python}: $(cat "$@" | grep -cE '^[A-Za-z0-9]') pinned packages"
    rm -rf "$dir"
    local args=() req
    for req in "$@"; do args+=(-r "$req"); done
    if ! { "$UV" venv --quiet --python "$python" "$dir" &&
        with_heartbeat "installing into ${dir#"${REPO_ROOT}"/}" \
            "$UV" pip install --quiet --python "${dir}/bin/python" "${args[@]}"; }; then
        echo "installing into ${dir} failed" >&2
        rm -rf "$dir"
        return 1
    fi
    echo "$stamp" >"${dir}/.stamp"
}

# ensure_tox: the pinned tox and uv (hacking/requirements/tox.txt), bootstrapped with pip.
ensure_tox() {
    local stamp
    stamp=$(sha256sum <"${REQS}/tox.txt" | cut -c1-16)
    if [ -f "${TOX_VENV}/.stamp" ] && [ "$(cat "${TOX_VENV}/.stamp")" = "$stamp" ]; then
        return 0
    fi
    log "creating ${TOX_VENV#"${REPO_ROOT}"/}: tox and uv (first run only)"
    rm -rf "$TOX_VENV"
    mkdir -p "$WORK"
    python3 -m venv "$TOX_VENV" || return 1
    # pipefail makes pip's own status the pipeline's; the grep only drops noise.
    if ! "${TOX_VENV}/bin/python" -m pip install --quiet --disable-pip-version-check -r "${REQS}/tox.txt" 2>&1 |
        { grep -v "is ignored: it is neither a file nor a directory" || true; } >&2; then
        echo "pip install of tox into ${TOX_VENV} failed" >&2
        rm -rf "$TOX_VENV"
        return 1
    fi
    echo "$stamp" >"${TOX_VENV}/.stamp"
}

# python_links: links python3.X to pyenv's real interpreters (its shims break ansible-test and
# uv), prints the directory; tox finds its base Pythons there, sanity its module-side ones.
python_links() {
    local dir="${WORK}/pythons" version interpreter
    mkdir -p "$dir"
    for version in 3.8 3.9 3.10 3.11 3.12 3.13 3.14; do
        interpreter=$(find_python "$version" 2>/dev/null) || continue
        ln -sf "$interpreter" "${dir}/python${version}"
    done
    echo "$dir"
}

# run_tox ARGS...: the pinned tox, with the Pythons found and uv's settings.
run_tox() {
    ensure_tox || return 1
    local pythons
    pythons=$(python_links)
    PATH="${pythons}:${PATH}" "${TOX_VENV}/bin/tox" "$@"
}
