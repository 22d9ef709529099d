# bash completion for rkubectl (tools/rkubectl): commands, kinds, object
# names read from the mount (MINIK8S_MOUNT, default /cluster), namespaces,
# containers and flags. Installed by `make install` as
# /etc/bash_completion.d/rkubectl; or: source tools/completion/rkubectl.bash
#
# Plain paths need nothing: `cd /cluster/po<TAB>` and `cat /cluster/pods/w<TAB>`
# complete because the cluster's objects are directory entries.

_rkubectl_kinds="pods po nodes no services svc replicasets rs deployments deploy daemonsets ds
statefulsets sts jobs cronjobs cj horizontalpodautoscalers hpa ingresses ing namespaces ns
configmaps cm secrets endpoints ep events ev persistentvolumes pv persistentvolumeclaims pvc
storageclasses sc priorityclasses pc poddisruptionbudgets pdb serviceaccounts sa leases roles
rolebindings clusterroles clusterrolebindings limitranges limits resourcequotas quota
networkpolicies netpol functions fn workflows wf gpujobs gj"

# The folder name for a kind alias (a small table: completion must be fast).
_rkubectl_resource() {
    case $1 in
    po | pod | pods) echo pods ;;
    no | node | nodes) echo nodes ;;
    svc | service | services) echo services ;;
    rs | replicaset | replicasets) echo replicasets ;;
    deploy | deployment | deployments) echo deployments ;;
    ds | daemonset | daemonsets) echo daemonsets ;;
    sts | statefulset | statefulsets) echo statefulsets ;;
    job | jobs) echo jobs ;;
    cj | cronjob | cronjobs) echo cronjobs ;;
    ev | event | events) echo events ;;
    pv | persistentvolume | persistentvolumes) echo persistentvolumes ;;
    pvc | persistentvolumeclaim | persistentvolumeclaims) echo persistentvolumeclaims ;;
    sc | storageclass | storageclasses) echo storageclasses ;;
    pc | priorityclass | priorityclasses) echo priorityclasses ;;
    pdb | poddisruptionbudget | poddisruptionbudgets) echo poddisruptionbudgets ;;
    sa | serviceaccount | serviceaccounts) echo serviceaccounts ;;
    lease | leases) echo leases ;;
    role | roles) echo roles ;;
    rolebinding | rolebindings) echo rolebindings ;;
    clusterrole | clusterroles) echo clusterroles ;;
    clusterrolebinding | clusterrolebindings) echo clusterrolebindings ;;
    limits | limitrange | limitranges) echo limitranges ;;
    quota | resourcequota | resourcequotas) echo resourcequotas ;;
    hpa | horizontalpodautoscaler | horizontalpodautoscalers) echo horizontalpodautoscalers ;;
    ing | ingress | ingresses) echo ingresses ;;
    netpol | networkpolicy | networkpolicies) echo networkpolicies ;;
    ns | namespace | namespaces) echo namespaces ;;
    cm | configmap | configmaps) echo configmaps ;;
    secret | secrets) echo secrets ;;
    ep | endpoints) echo endpoints ;;
    fn | func | function | functions) echo functions ;;
    wf | workflow | workflows) echo workflows ;;
    gj | gpujob | gpujobs) echo gpujobs ;;
    esac
}

_rkubectl_names() { # RESOURCE NAMESPACE
    local mnt=${MINIK8S_MOUNT:-/cluster} dir
    case $1 in
    # cluster-scoped kinds: at the top whatever -n says
    nodes | namespaces | persistentvolumes | storageclasses | priorityclasses | clusterroles | \
        clusterrolebindings) dir=$mnt/$1 ;;
    *) if [ -n "$2" ] && [ "$2" != default ]; then dir=$mnt/namespaces/$2/$1; else dir=$mnt/$1; fi ;;
    esac
    [ -d "$dir" ] || return 0
    local e
    for e in "$dir"/*/; do
        e=${e%/}
        echo "${e##*/}"
    done
}

_rkubectl() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    local mnt=${MINIK8S_MOUNT:-/cluster}
    local commands="create apply get describe delete patch label scale logs exec attach help"
    COMPREPLY=()
    if [ "$COMP_CWORD" -eq 1 ]; then
        mapfile -t COMPREPLY < <(compgen -W "$commands" -- "$cur")
        return 0
    fi
    case $prev in
    -f | --filename)
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
        return 0
        ;;
    -n | --namespace)
        mapfile -t COMPREPLY < <(compgen -W "$(_rkubectl_names namespaces)" -- "$cur")
        return 0
        ;;
    -o | --output)
        mapfile -t COMPREPLY < <(compgen -W "wide yaml json name" -- "$cur")
        return 0
        ;;
    esac
    # Gather the command, kind, namespace and pod from the words so far.
    local cmd=${COMP_WORDS[1]} ns="" kind="" pod="" i w positional=()
    for ((i = 2; i < COMP_CWORD; i++)); do
        w=${COMP_WORDS[i]}
        case $w in
        -n | --namespace) ns=${COMP_WORDS[i + 1]}; ((i++)) ;;
        -c | --container | -f | --filename | -o | --output | -p | --patch) ((i++)) ;;
        --) break ;;
        -*) ;;
        *) positional+=("$w") ;;
        esac
    done
    if [ "$prev" = -c ] || [ "$prev" = --container ]; then
        pod=${positional[0]:-}
        local sub=logs
        [ "$cmd" = exec ] || [ "$cmd" = attach ] && sub="exec"
        local dir=$mnt/pods/$pod/$sub
        [ -n "$ns" ] && [ "$ns" != default ] && dir=$mnt/namespaces/$ns/pods/$pod/$sub
        [ -d "$dir" ] && mapfile -t COMPREPLY < <(compgen -W "$(ls "$dir")" -- "$cur")
        return 0
    fi
    if [[ $cur == -* ]]; then
        local flags="-n --namespace -h --help"
        case $cmd in
        get) flags+=" -A --all-namespaces -o --output -w --watch" ;;
        create | apply) flags+=" -f --filename" ;;
        delete) flags+=" -f --filename" ;;
        patch) flags+=" -p --patch" ;;
        scale) flags+=" --replicas=" ;;
        logs) flags+=" -f -c --container" ;;
        exec | attach) flags+=" -i -t -it -c --container" ;;
        esac
        mapfile -t COMPREPLY < <(compgen -W "$flags" -- "$cur")
        return 0
    fi
    case $cmd in
    get | describe | delete | patch | label | scale)
        if [ ${#positional[@]} -eq 0 ]; then
            mapfile -t COMPREPLY < <(compgen -W "$_rkubectl_kinds" -- "$cur")
        else
            kind=$(_rkubectl_resource "${positional[0]}")
            [ -n "$kind" ] &&
                mapfile -t COMPREPLY < <(compgen -W "$(_rkubectl_names "$kind" "$ns")" -- "$cur")
        fi
        ;;
    logs | exec | attach)
        [ ${#positional[@]} -eq 0 ] &&
            mapfile -t COMPREPLY < <(compgen -W "$(_rkubectl_names pods "$ns")" -- "$cur")
        ;;
    create | apply)
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
        ;;
    esac
    return 0
}

complete -F _rkubectl rkubectl
