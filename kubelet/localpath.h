/* localpath.h - the node half of the minik8s.io/local-path provisioner:
 * remove the directories of this node's provisioned PersistentVolumes once
 * they are Released with reclaim policy Delete, then delete the PV objects
 * (the volume controller made them; k3s' local-path-provisioner works the
 * same way, with a helper pod where this is the kubelet itself).
 *
 * Level-triggered from a PersistentVolume informer: a kubelet that was
 * down does the work when it comes back; a failed removal or DELETE is
 * tried again at the next pass (every few seconds while any is left).
 */
#ifndef MK_KUBELET_LOCALPATH_H
#define MK_KUBELET_LOCALPATH_H

#include <json-c/json.h>
#include <stdbool.h>

#include "store/client.h"
#include "store/error.h"

/* Must this node delete pv now: provisioned-by minik8s.io/local-path,
 * persistentVolumeReclaimPolicy Delete, status.phase Released, and its
 * nodeAffinity names node (kubernetes.io/hostname In [node])? When it
 * must, *dir (may be NULL) gets the directory to remove, borrowed from
 * pv, or NULL when the path is not one the provisioner makes (absolute,
 * no "." or ".." component, the last one starting "pvc-"): then only the
 * object goes and nothing on disk is touched. */
bool localpath_must_delete(json_object *pv, const char *node, const char **dir);

typedef struct localpath localpath;

/* Watch PVs and clean up for node; NULL (and nothing to stop) when the
 * API server has no PersistentVolume kind. */
int localpath_start(mk_client *c, const char *node, localpath **out, mk_err *err);
void localpath_stop(localpath *lp);

#endif
