/* schema.c - known fields of every kind, in Kubernetes' shapes.
 *
 * The tables are broad on purpose: an ordinary upstream manifest must pass
 * without a warning, even where minik8s ignores a field (affinity and
 * tolerations, read by the scheduler, and securityContext are accepted
 * as free-form objects). Fields
 * the system writes (status) are checked only for being an object.
 */
#include "store/schema.h"
#include "store/quantity.h"
#include "store/util.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static const schema_node any_node = {SCHEMA_ANY, NULL, NULL};
static const schema_node any_object_node = {SCHEMA_ANY_OBJECT, NULL, NULL};
static const schema_node any_list_node = {SCHEMA_ANY_LIST, NULL, NULL};
static const schema_node str_node = {SCHEMA_STRING, NULL, NULL};
static const schema_node int_node = {SCHEMA_INT32, NULL, NULL};
static const schema_node int64_node = {SCHEMA_INT64, NULL, NULL};
static const schema_node num_node = {SCHEMA_NUMBER, NULL, NULL};
static const schema_node bool_node = {SCHEMA_BOOL, NULL, NULL};
static const schema_node intstr_node = {SCHEMA_INT_OR_STRING, NULL, NULL};
static const schema_node qty_node = {SCHEMA_QUANTITY, NULL, NULL};

#define ANY     (&any_node)
#define ANYOBJ  (&any_object_node)
#define ANYLIST (&any_list_node)
#define STR     (&str_node)
#define INT     (&int_node)
#define INT64   (&int64_node)
#define NUM     (&num_node)
#define BOOL    (&bool_node)
#define INTSTR  (&intstr_node)
#define QTY     (&qty_node)
#define OBJ(...)                                                                               \
    (&(const schema_node){SCHEMA_OBJECT,                                                       \
                          (const schema_field[]){__VA_ARGS__, {NULL, NULL, NULL}}, NULL})
#define LIST(e) (&(const schema_node){SCHEMA_LIST, NULL, (e)})
#define MAP(e)  (&(const schema_node){SCHEMA_MAP, NULL, (e)})
#define F(n, t)                                                                                \
    {                                                                                          \
        n, t, NULL                                                                             \
    }
/* a field with its Amazon States Language spelling */
#define FA(n, a, t)                                                                            \
    {                                                                                          \
        n, t, a                                                                                \
    }

/* ---- common ---- */

static const schema_node metadata = {
    SCHEMA_OBJECT,
    (const schema_field[]){
        F("name", STR),
        F("generateName", STR),
        F("namespace", STR),
        F("labels", MAP(STR)),
        F("annotations", MAP(STR)),
        F("uid", STR),
        F("resourceVersion", STR),
        F("generation", INT64),
        F("creationTimestamp", STR),
        F("deletionTimestamp", STR),
        F("deletionGracePeriodSeconds", INT64),
        F("selfLink", STR),
        F("ownerReferences",
          LIST(OBJ(F("apiVersion", STR), F("kind", STR), F("name", STR), F("uid", STR),
                   F("controller", BOOL), F("blockOwnerDeletion", BOOL)))),
        F("finalizers", LIST(STR)),
        F("managedFields", ANYLIST),
        {NULL, NULL, NULL}},
    NULL};

#define TOP_FIELDS F("apiVersion", STR), F("kind", STR), F("metadata", &metadata)

static const schema_node label_selector = {
    SCHEMA_OBJECT,
    (const schema_field[]){F("matchLabels", MAP(STR)),
                           F("matchExpressions", LIST(OBJ(F("key", STR), F("operator", STR),
                                                          F("values", LIST(STR))))),
                           {NULL, NULL, NULL}},
    NULL};

static const schema_node resources = {SCHEMA_OBJECT,
                                      (const schema_field[]){F("limits", MAP(QTY)),
                                                             F("requests", MAP(QTY)),
                                                             F("claims", ANYLIST),
                                                             {NULL, NULL, NULL}},
                                      NULL};

#define NAME_REF OBJ(F("name", STR))

/* ---- Pod ---- */

static const schema_node key_ref = {
    SCHEMA_OBJECT,
    (const schema_field[]){
        F("name", STR), F("key", STR), F("optional", BOOL), {NULL, NULL, NULL}},
    NULL};

static const schema_node env_var = {
    SCHEMA_OBJECT,
    (const schema_field[]){
        F("name", STR),
        F("value", STR),
        F("valueFrom", OBJ(F("configMapKeyRef", &key_ref), F("secretKeyRef", &key_ref),
                           F("fieldRef", OBJ(F("apiVersion", STR), F("fieldPath", STR))),
                           F("resourceFieldRef", OBJ(F("containerName", STR),
                                                     F("resource", STR), F("divisor", QTY))))),
        {NULL, NULL, NULL}},
    NULL};

static const schema_node env_from = {
    SCHEMA_OBJECT,
    (const schema_field[]){F("prefix", STR),
                           F("configMapRef", OBJ(F("name", STR), F("optional", BOOL))),
                           F("secretRef", OBJ(F("name", STR), F("optional", BOOL))),
                           {NULL, NULL, NULL}},
    NULL};

static const schema_node probe = {
    SCHEMA_OBJECT,
    (const schema_field[]){
        F("exec", OBJ(F("command", LIST(STR)))),
        F("httpGet", OBJ(F("path", STR), F("port", INTSTR), F("host", STR), F("scheme", STR),
                         F("httpHeaders", LIST(OBJ(F("name", STR), F("value", STR)))))),
        F("tcpSocket", OBJ(F("port", INTSTR), F("host", STR))),
        F("grpc", OBJ(F("port", INT), F("service", STR))),
        F("initialDelaySeconds", INT),
        F("periodSeconds", INT),
        F("timeoutSeconds", INT),
        F("failureThreshold", INT),
        F("successThreshold", INT),
        F("terminationGracePeriodSeconds", INT64),
        {NULL, NULL, NULL}},
    NULL};

/* A container's fields; an ephemeral container has them too, and its
 * target. */
#define CONTAINER_FIELDS                                                                       \
    F("name", STR), F("image", STR), F("command", LIST(STR)), F("args", LIST(STR)),            \
        F("workingDir", STR), F("env", LIST(&env_var)), F("envFrom", LIST(&env_from)),         \
        F("ports", LIST(OBJ(F("name", STR), F("containerPort", INT), F("hostPort", INT),       \
                            F("protocol", STR), F("hostIP", STR)))),                           \
        F("resources", &resources),                                                            \
        F("volumeMounts", LIST(OBJ(F("name", STR), F("mountPath", STR), F("readOnly", BOOL),   \
                                   F("subPath", STR), F("subPathExpr", STR),                   \
                                   F("mountPropagation", STR), F("recursiveReadOnly", STR)))), \
        F("volumeDevices", ANYLIST), F("imagePullPolicy", STR), F("livenessProbe", &probe),    \
        F("readinessProbe", &probe), F("startupProbe", &probe), F("lifecycle", ANYOBJ),        \
        F("securityContext", ANYOBJ), F("stdin", BOOL), F("stdinOnce", BOOL), F("tty", BOOL),  \
        F("terminationMessagePath", STR), F("terminationMessagePolicy", STR),                  \
        F("resizePolicy", ANYLIST), F("restartPolicy", STR)

static const schema_node container = {
    SCHEMA_OBJECT, (const schema_field[]){CONTAINER_FIELDS, {NULL, NULL, NULL}}, NULL};

static const schema_node ephemeral_container = {
    SCHEMA_OBJECT,
    (const schema_field[]){CONTAINER_FIELDS, F("targetContainerName", STR), {NULL, NULL, NULL}},
    NULL};

static const schema_node key_to_path = {
    SCHEMA_OBJECT,
    (const schema_field[]){F("key", STR), F("path", STR), F("mode", INT), {NULL, NULL, NULL}},
    NULL};

static const schema_node pvc_volume_source = {
    SCHEMA_OBJECT,
    (const schema_field[]){F("claimName", STR), F("readOnly", BOOL), {NULL, NULL, NULL}}, NULL};

static const schema_node volume = {
    SCHEMA_OBJECT,
    (const schema_field[]){F("name", STR),
                           F("emptyDir", OBJ(F("medium", STR), F("sizeLimit", QTY))),
                           F("hostPath", OBJ(F("path", STR), F("type", STR))),
                           F("configMap", OBJ(F("name", STR), F("items", LIST(&key_to_path)),
                                              F("defaultMode", INT), F("optional", BOOL))),
                           F("secret", OBJ(F("secretName", STR), F("items", LIST(&key_to_path)),
                                           F("defaultMode", INT), F("optional", BOOL))),
                           /* Checked by validate.c (check_projected, check_downward_items). */
                           F("projected", ANYOBJ),
                           F("downwardAPI", ANYOBJ),
                           F("persistentVolumeClaim", &pvc_volume_source),
                           /* Kinds of volume minik8s does not provide: known, so no warning,
                            * and refused by validate.c with a clear message. */
                           F("nfs", ANYOBJ),
                           F("csi", ANYOBJ),
                           F("ephemeral", ANYOBJ),
                           F("image", ANYOBJ),
                           {NULL, NULL, NULL}},
    NULL};

static const schema_node pod_spec = {
    SCHEMA_OBJECT,
    (const schema_field[]){F("containers", LIST(&container)),
                           F("initContainers", LIST(&container)),
                           F("ephemeralContainers", LIST(&ephemeral_container)),
                           F("volumes", LIST(&volume)),
                           F("nodeSelector", MAP(STR)),
                           F("nodeName", STR),
                           F("restartPolicy", STR),
                           F("terminationGracePeriodSeconds", INT64),
                           F("activeDeadlineSeconds", INT64),
                           F("hostNetwork", BOOL),
                           F("hostPID", BOOL),
                           F("hostIPC", BOOL),
                           F("shareProcessNamespace", BOOL),
                           F("serviceAccountName", STR),
                           F("serviceAccount", STR),
                           F("automountServiceAccountToken", BOOL),
                           F("dnsPolicy", STR),
                           F("dnsConfig", ANYOBJ),
                           F("hostname", STR),
                           F("subdomain", STR),
                           F("affinity", ANYOBJ),
                           F("tolerations", ANYLIST),
                           F("securityContext", ANYOBJ),
                           F("imagePullSecrets", ANYLIST),
                           F("priorityClassName", STR),
                           F("priority", INT),
                           F("schedulerName", STR),
                           F("topologySpreadConstraints", ANYLIST),
                           F("hostAliases", ANYLIST),
                           F("runtimeClassName", STR),
                           F("enableServiceLinks", BOOL),
                           F("preemptionPolicy", STR),
                           F("overhead", MAP(QTY)),
                           F("readinessGates", ANYLIST),
                           F("os", ANYOBJ),
                           F("setHostnameAsFQDN", BOOL),
                           F("hostUsers", BOOL),
                           F("resourceClaims", ANYLIST),
                           F("schedulingGates", ANYLIST),
                           F("resources", &resources),
                           {NULL, NULL, NULL}},
    NULL};

static const schema_node pod_template = {
    SCHEMA_OBJECT,
    (const schema_field[]){F("metadata", &metadata), F("spec", &pod_spec), {NULL, NULL, NULL}},
    NULL};

/* ---- volumes: PersistentVolume, PersistentVolumeClaim, StorageClass ---- */

static const schema_node node_selector_term = {
    SCHEMA_OBJECT,
    (const schema_field[]){
        F("matchExpressions",
          LIST(OBJ(F("key", STR), F("operator", STR), F("values", LIST(STR))))),
        F("matchFields", LIST(OBJ(F("key", STR), F("operator", STR), F("values", LIST(STR))))),
        {NULL, NULL, NULL}},
    NULL};

/* A claim's spec; also a StatefulSet's volumeClaimTemplates[].spec. */
static const schema_node pvc_spec = {SCHEMA_OBJECT,
                                     (const schema_field[]){F("accessModes", LIST(STR)),
                                                            F("resources", &resources),
                                                            F("storageClassName", STR),
                                                            F("volumeName", STR),
                                                            F("selector", &label_selector),
                                                            F("volumeMode", STR),
                                                            F("volumeAttributesClassName", STR),
                                                            /* known, refused by validate.c */
                                                            F("dataSource", ANYOBJ),
                                                            F("dataSourceRef", ANYOBJ),
                                                            {NULL, NULL, NULL}},
                                     NULL};

static const schema_node pv_spec = {
    SCHEMA_OBJECT,
    (const schema_field[]){
        F("capacity", MAP(QTY)),
        F("accessModes", LIST(STR)),
        F("persistentVolumeReclaimPolicy", STR),
        F("storageClassName", STR),
        F("volumeMode", STR),
        F("mountOptions", LIST(STR)),
        F("volumeAttributesClassName", STR),
        F("hostPath", OBJ(F("path", STR), F("type", STR))),
        F("local", OBJ(F("path", STR), F("fsType", STR))),
        F("nodeAffinity",
          OBJ(F("required", OBJ(F("nodeSelectorTerms", LIST(&node_selector_term)))))),
        F("claimRef",
          OBJ(F("kind", STR), F("namespace", STR), F("name", STR), F("uid", STR),
              F("apiVersion", STR), F("resourceVersion", STR), F("fieldPath", STR))),
        /* Volume plugins minik8s does not provide: known, refused by
         * validate.c naming the field. */
        F("nfs", ANYOBJ),
        F("csi", ANYOBJ),
        F("iscsi", ANYOBJ),
        F("fc", ANYOBJ),
        F("rbd", ANYOBJ),
        F("cephfs", ANYOBJ),
        F("cinder", ANYOBJ),
        F("glusterfs", ANYOBJ),
        F("flexVolume", ANYOBJ),
        F("awsElasticBlockStore", ANYOBJ),
        F("gcePersistentDisk", ANYOBJ),
        F("azureDisk", ANYOBJ),
        F("azureFile", ANYOBJ),
        F("vsphereVolume", ANYOBJ),
        F("portworxVolume", ANYOBJ),
        F("scaleIO", ANYOBJ),
        F("storageos", ANYOBJ),
        F("quobyte", ANYOBJ),
        F("flocker", ANYOBJ),
        F("photonPersistentDisk", ANYOBJ),
        {NULL, NULL, NULL}},
    NULL};

/* ---- the kinds ---- */

static const schema_node status_any = {SCHEMA_ANY_OBJECT, NULL, NULL};
#define STATUS F("status", &status_any)

static const schema_node namespace_schema = {
    SCHEMA_OBJECT,
    (const schema_field[]){
        TOP_FIELDS, F("spec", OBJ(F("finalizers", LIST(STR)))), STATUS, {NULL, NULL, NULL}},
    NULL};

static const schema_node node_schema = {
    SCHEMA_OBJECT,
    (const schema_field[]){
        TOP_FIELDS,
        F("spec", OBJ(F("podCIDR", STR), F("podCIDRs", LIST(STR)), F("providerID", STR),
                      F("unschedulable", BOOL),
                      F("taints", LIST(OBJ(F("key", STR), F("value", STR), F("effect", STR),
                                           F("timeAdded", STR)))),
                      F("configSource", ANYOBJ), F("externalID", STR))),
        STATUS,
        {NULL, NULL, NULL}},
    NULL};

static const schema_node pod_schema = {
    SCHEMA_OBJECT,
    (const schema_field[]){TOP_FIELDS, F("spec", &pod_spec), STATUS, {NULL, NULL, NULL}}, NULL};

static const schema_node service_schema = {
    SCHEMA_OBJECT,
    (const schema_field[]){
        TOP_FIELDS,
        F("spec",
          OBJ(F("type", STR), F("selector", MAP(STR)),
              F("ports",
                LIST(OBJ(F("name", STR), F("protocol", STR), F("port", INT),
                         F("targetPort", INTSTR), F("nodePort", INT), F("appProtocol", STR)))),
              F("clusterIP", STR), F("clusterIPs", LIST(STR)), F("externalIPs", LIST(STR)),
              F("sessionAffinity", STR), F("sessionAffinityConfig", ANYOBJ),
              F("loadBalancerIP", STR), F("loadBalancerSourceRanges", LIST(STR)),
              F("externalName", STR), F("externalTrafficPolicy", STR),
              F("internalTrafficPolicy", STR), F("healthCheckNodePort", INT),
              F("publishNotReadyAddresses", BOOL), F("ipFamilies", LIST(STR)),
              F("ipFamilyPolicy", STR), F("allocateLoadBalancerNodePorts", BOOL),
              F("loadBalancerClass", STR), F("trafficDistribution", STR))),
        STATUS,
        {NULL, NULL, NULL}},
    NULL};

static const schema_node endpoint_address = {
    SCHEMA_OBJECT,
    (const schema_field[]){
        F("ip", STR),
        F("hostname", STR),
        F("nodeName", STR),
        F("targetRef",
          OBJ(F("kind", STR), F("namespace", STR), F("name", STR), F("uid", STR),
              F("apiVersion", STR), F("resourceVersion", STR), F("fieldPath", STR))),
        {NULL, NULL, NULL}},
    NULL};

static const schema_node endpoints_schema = {
    SCHEMA_OBJECT,
    (const schema_field[]){
        TOP_FIELDS,
        F("subsets",
          LIST(OBJ(F("addresses", LIST(&endpoint_address)),
                   F("notReadyAddresses", LIST(&endpoint_address)),
                   F("ports", LIST(OBJ(F("name", STR), F("port", INT), F("protocol", STR),
                                       F("appProtocol", STR))))))),
        {NULL, NULL, NULL}},
    NULL};

static const schema_node configmap_schema = {SCHEMA_OBJECT,
                                             (const schema_field[]){TOP_FIELDS,
                                                                    F("data", MAP(STR)),
                                                                    F("binaryData", MAP(STR)),
                                                                    F("immutable", BOOL),
                                                                    {NULL, NULL, NULL}},
                                             NULL};

static const schema_node event_schema = {
    SCHEMA_OBJECT,
    (const schema_field[]){
        TOP_FIELDS,
        F("involvedObject",
          OBJ(F("apiVersion", STR), F("kind", STR), F("namespace", STR), F("name", STR),
              F("uid", STR), F("resourceVersion", STR), F("fieldPath", STR))),
        F("reason", STR),
        F("message", STR),
        F("type", STR),
        F("count", INT),
        F("firstTimestamp", STR),
        F("lastTimestamp", STR),
        F("eventTime", STR),
        F("source", OBJ(F("component", STR), F("host", STR))),
        F("reportingComponent", STR),
        F("reportingInstance", STR),
        F("action", STR),
        F("series", ANYOBJ),
        F("related", ANYOBJ),
        {NULL, NULL, NULL}},
    NULL};

static const schema_node secret_schema = {SCHEMA_OBJECT,
                                          (const schema_field[]){TOP_FIELDS,
                                                                 F("data", MAP(STR)),
                                                                 F("stringData", MAP(STR)),
                                                                 F("type", STR),
                                                                 F("immutable", BOOL),
                                                                 {NULL, NULL, NULL}},
                                          NULL};

static const schema_node deployment_schema = {
    SCHEMA_OBJECT,
    (const schema_field[]){
        TOP_FIELDS,
        F("spec",
          OBJ(F("replicas", INT), F("minReadySeconds", INT), F("revisionHistoryLimit", INT),
              F("progressDeadlineSeconds", INT), F("paused", BOOL),
              F("selector", &label_selector), F("template", &pod_template),
              F("strategy",
                OBJ(F("type", STR), F("rollingUpdate", OBJ(F("maxSurge", INTSTR),
                                                           F("maxUnavailable", INTSTR))))))),
        STATUS,
        {NULL, NULL, NULL}},
    NULL};

static const schema_node daemonset_schema = {
    SCHEMA_OBJECT,
    (const schema_field[]){
        TOP_FIELDS,
        F("spec", OBJ(F("minReadySeconds", INT), F("revisionHistoryLimit", INT),
                      F("selector", &label_selector), F("template", &pod_template),
                      F("updateStrategy",
                        OBJ(F("type", STR), F("rollingUpdate", OBJ(F("maxUnavailable", INTSTR),
                                                                   F("maxSurge", INTSTR))))))),
        STATUS,
        {NULL, NULL, NULL}},
    NULL};

static const schema_node pod_failure_policy = {
    SCHEMA_OBJECT,
    (const schema_field[]){
        F("rules",
          LIST(OBJ(F("action", STR),
                   F("onExitCodes",
                     OBJ(F("containerName", STR), F("operator", STR), F("values", LIST(INT)))),
                   F("onPodConditions", LIST(OBJ(F("type", STR), F("status", STR))))))),
        {NULL, NULL, NULL}},
    NULL};

static const schema_node job_spec = {
    SCHEMA_OBJECT,
    (const schema_field[]){F("parallelism", INT),
                           F("completions", INT),
                           F("backoffLimit", INT),
                           F("activeDeadlineSeconds", INT64),
                           F("ttlSecondsAfterFinished", INT),
                           F("selector", &label_selector),
                           F("manualSelector", BOOL),
                           F("completionMode", STR),
                           F("suspend", BOOL),
                           F("template", &pod_template),
                           F("podFailurePolicy", &pod_failure_policy),
                           {NULL, NULL, NULL}},
    NULL};
/* A StatefulSet's volumeClaimTemplates[]: a PersistentVolumeClaim. */
static const schema_node claim_template = {
    SCHEMA_OBJECT,
    (const schema_field[]){TOP_FIELDS, F("spec", &pvc_spec), STATUS, {NULL, NULL, NULL}}, NULL};
static const schema_node statefulset_schema = {
    SCHEMA_OBJECT,
    (const schema_field[]){
        TOP_FIELDS,
        F("spec",
          OBJ(F("replicas", INT), F("serviceName", STR), F("podManagementPolicy", STR),
              F("minReadySeconds", INT), F("revisionHistoryLimit", INT),
              F("selector", &label_selector), F("template", &pod_template),
              F("volumeClaimTemplates", LIST(&claim_template)),
              F("persistentVolumeClaimRetentionPolicy",
                OBJ(F("whenDeleted", STR), F("whenScaled", STR))),
              F("ordinals", OBJ(F("start", INT))),
              F("updateStrategy",
                OBJ(F("type", STR), F("rollingUpdate", OBJ(F("partition", INT),
                                                           F("maxUnavailable", INTSTR))))))),
        STATUS,
        {NULL, NULL, NULL}},
    NULL};

static const schema_node controllerrevision_schema = {
    SCHEMA_OBJECT,
    (const schema_field[]){
        TOP_FIELDS, F("data", ANY), F("revision", INT64), {NULL, NULL, NULL}},
    NULL};

static const schema_node job_schema = {
    SCHEMA_OBJECT,
    (const schema_field[]){TOP_FIELDS, F("spec", &job_spec), STATUS, {NULL, NULL, NULL}}, NULL};

static const schema_node cronjob_schema = {
    SCHEMA_OBJECT,
    (const schema_field[]){
        TOP_FIELDS,
        F("spec", OBJ(F("schedule", STR), F("timeZone", STR), F("concurrencyPolicy", STR),
                      F("startingDeadlineSeconds", INT64), F("suspend", BOOL),
                      F("successfulJobsHistoryLimit", INT), F("failedJobsHistoryLimit", INT),
                      F("jobTemplate", OBJ(F("metadata", &metadata), F("spec", &job_spec))))),
        STATUS,
        {NULL, NULL, NULL}},
    NULL};

static const schema_node pv_schema = {
    SCHEMA_OBJECT,
    (const schema_field[]){TOP_FIELDS, F("spec", &pv_spec), STATUS, {NULL, NULL, NULL}}, NULL};

static const schema_node pvc_schema = {
    SCHEMA_OBJECT,
    (const schema_field[]){TOP_FIELDS, F("spec", &pvc_spec), STATUS, {NULL, NULL, NULL}}, NULL};

static const schema_node storageclass_schema = {
    SCHEMA_OBJECT,
    (const schema_field[]){TOP_FIELDS,
                           F("provisioner", STR),
                           F("parameters", MAP(STR)),
                           F("reclaimPolicy", STR),
                           F("volumeBindingMode", STR),
                           F("allowVolumeExpansion", BOOL),
                           F("mountOptions", LIST(STR)),
                           F("allowedTopologies", ANYLIST),
                           {NULL, NULL, NULL}},
    NULL};

/* scheduling.k8s.io/v1: the fields sit at the top, as a StorageClass's. */
static const schema_node priorityclass_schema = {
    SCHEMA_OBJECT,
    (const schema_field[]){TOP_FIELDS,
                           F("value", INT),
                           F("globalDefault", BOOL),
                           F("description", STR),
                           F("preemptionPolicy", STR),
                           {NULL, NULL, NULL}},
    NULL};

static const schema_node replicaset_schema = {
    SCHEMA_OBJECT,
    (const schema_field[]){
        TOP_FIELDS,
        F("spec", OBJ(F("replicas", INT), F("minReadySeconds", INT),
                      F("selector", &label_selector), F("template", &pod_template))),
        STATUS,
        {NULL, NULL, NULL}},
    NULL};

static const schema_node hpa_target = {SCHEMA_OBJECT,
                                       (const schema_field[]){F("type", STR),
                                                              F("averageUtilization", INT),
                                                              F("averageValue", QTY),
                                                              F("value", QTY),
                                                              {NULL, NULL, NULL}},
                                       NULL};

static const schema_node hpa_rules = {
    SCHEMA_OBJECT,
    (const schema_field[]){
        F("stabilizationWindowSeconds", INT),
        F("selectPolicy", STR),
        F("policies", LIST(OBJ(F("type", STR), F("value", INT), F("periodSeconds", INT)))),
        F("tolerance", QTY),
        {NULL, NULL, NULL}},
    NULL};

static const schema_node hpa_schema = {
    SCHEMA_OBJECT,
    (const schema_field[]){
        TOP_FIELDS,
        F("spec",
          OBJ(F("scaleTargetRef", OBJ(F("apiVersion", STR), F("kind", STR), F("name", STR))),
              F("minReplicas", INT), F("maxReplicas", INT),
              F("metrics",
                LIST(OBJ(F("type", STR),
                         F("resource", OBJ(F("name", STR), F("target", &hpa_target))),
                         F("containerResource",
                           OBJ(F("name", STR), F("container", STR), F("target", &hpa_target))),
                         F("pods", ANYOBJ), F("object", ANYOBJ), F("external", ANYOBJ)))),
              F("behavior", OBJ(F("scaleUp", &hpa_rules), F("scaleDown", &hpa_rules))))),
        STATUS,
        {NULL, NULL, NULL}},
    NULL};

static const schema_node pdb_schema = {
    SCHEMA_OBJECT,
    (const schema_field[]){
        TOP_FIELDS,
        F("spec", OBJ(F("minAvailable", INTSTR), F("maxUnavailable", INTSTR),
                      F("selector", &label_selector), F("unhealthyPodEvictionPolicy", STR))),
        STATUS,
        {NULL, NULL, NULL}},
    NULL};

/* v1 LimitRange and ResourceQuota: amounts keyed by resource name, typed
 * as a container's resources are, so they are checked and stored alike. */
static const schema_node limitrange_item = {
    SCHEMA_OBJECT,
    (const schema_field[]){F("type", STR),
                           F("max", MAP(QTY)),
                           F("min", MAP(QTY)),
                           F("default", MAP(QTY)),
                           F("defaultRequest", MAP(QTY)),
                           F("maxLimitRequestRatio", MAP(QTY)),
                           {NULL, NULL, NULL}},
    NULL};

static const schema_node limitrange_schema = {
    SCHEMA_OBJECT,
    (const schema_field[]){
        TOP_FIELDS, F("spec", OBJ(F("limits", LIST(&limitrange_item)))), {NULL, NULL, NULL}},
    NULL};

/* The status is typed, unlike other kinds': its amounts are quantities
 * that kubectl prints (REQUEST, LIMIT), normalised as the spec's are. */
static const schema_node resourcequota_schema = {
    SCHEMA_OBJECT,
    (const schema_field[]){
        TOP_FIELDS,
        F("spec", OBJ(F("hard", MAP(QTY)), F("scopes", LIST(STR)),
                      F("scopeSelector", OBJ(F("matchExpressions",
                                               LIST(OBJ(F("scopeName", STR), F("operator", STR),
                                                        F("values", LIST(STR))))))))),
        F("status", OBJ(F("hard", MAP(QTY)), F("used", MAP(QTY)))),
        {NULL, NULL, NULL}},
    NULL};

static const schema_node serviceaccount_schema = {
    SCHEMA_OBJECT,
    (const schema_field[]){
        TOP_FIELDS,
        F("secrets",
          LIST(OBJ(F("kind", STR), F("namespace", STR), F("name", STR), F("uid", STR),
                   F("apiVersion", STR), F("resourceVersion", STR), F("fieldPath", STR)))),
        F("imagePullSecrets", LIST(OBJ(F("name", STR)))),
        F("automountServiceAccountToken", BOOL),
        {NULL, NULL, NULL}},
    NULL};

static const schema_node lease_schema = {
    SCHEMA_OBJECT,
    (const schema_field[]){
        TOP_FIELDS,
        F("spec", OBJ(F("holderIdentity", STR), F("leaseDurationSeconds", INT),
                      F("acquireTime", STR), F("renewTime", STR), F("leaseTransitions", INT),
                      F("strategy", STR), F("preferredHolder", STR))),
        {NULL, NULL, NULL}},
    NULL};

/* rbac.authorization.k8s.io/v1 */
static const schema_node policy_rule = {SCHEMA_OBJECT,
                                        (const schema_field[]){F("verbs", LIST(STR)),
                                                               F("apiGroups", LIST(STR)),
                                                               F("resources", LIST(STR)),
                                                               F("resourceNames", LIST(STR)),
                                                               F("nonResourceURLs", LIST(STR)),
                                                               {NULL, NULL, NULL}},
                                        NULL};

static const schema_node role_schema = {
    SCHEMA_OBJECT,
    (const schema_field[]){TOP_FIELDS, F("rules", LIST(&policy_rule)), {NULL, NULL, NULL}},
    NULL};

static const schema_node clusterrole_schema = {
    SCHEMA_OBJECT,
    (const schema_field[]){
        TOP_FIELDS,
        F("rules", LIST(&policy_rule)),
        F("aggregationRule", OBJ(F("clusterRoleSelectors", LIST(&label_selector)))),
        {NULL, NULL, NULL}},
    NULL};

/* RoleBindings and ClusterRoleBindings alike */
static const schema_node binding_schema = {
    SCHEMA_OBJECT,
    (const schema_field[]){
        TOP_FIELDS,
        F("subjects",
          LIST(OBJ(F("kind", STR), F("apiGroup", STR), F("name", STR), F("namespace", STR)))),
        F("roleRef", OBJ(F("apiGroup", STR), F("kind", STR), F("name", STR))),
        {NULL, NULL, NULL}},
    NULL};

static const schema_node ingress_backend = {
    SCHEMA_OBJECT,
    (const schema_field[]){
        F("service", OBJ(F("name", STR), F("port", OBJ(F("number", INT), F("name", STR))))),
        F("resource", OBJ(F("apiGroup", STR), F("kind", STR), F("name", STR))),
        {NULL, NULL, NULL}},
    NULL};

static const schema_node ingress_path = {
    SCHEMA_OBJECT,
    (const schema_field[]){
        F("path", STR), F("pathType", STR), F("backend", &ingress_backend), {NULL, NULL, NULL}},
    NULL};

static const schema_node ingress_schema = {
    SCHEMA_OBJECT,
    (const schema_field[]){
        TOP_FIELDS,
        F("spec", OBJ(F("ingressClassName", STR), F("defaultBackend", &ingress_backend),
                      F("tls", LIST(OBJ(F("hosts", LIST(STR)), F("secretName", STR)))),
                      F("rules", LIST(OBJ(F("host", STR),
                                          F("http", OBJ(F("paths", LIST(&ingress_path))))))))),
        STATUS,
        {NULL, NULL, NULL}},
    NULL};

/* networking.k8s.io/v1 NetworkPolicy: pods selected by spec.podSelector
 * take traffic from (ingress) and send it to (egress) the peers and ports
 * of their rules only. */
static const schema_node netpol_peer = {
    SCHEMA_OBJECT,
    (const schema_field[]){F("podSelector", &label_selector),
                           F("namespaceSelector", &label_selector),
                           F("ipBlock", OBJ(F("cidr", STR), F("except", LIST(STR)))),
                           {NULL, NULL, NULL}},
    NULL};

static const schema_node netpol_port = {
    SCHEMA_OBJECT,
    (const schema_field[]){
        F("protocol", STR), F("port", INTSTR), F("endPort", INT), {NULL, NULL, NULL}},
    NULL};

static const schema_node netpol_schema = {
    SCHEMA_OBJECT,
    (const schema_field[]){
        TOP_FIELDS,
        F("spec", OBJ(F("podSelector", &label_selector), F("policyTypes", LIST(STR)),
                      F("ingress", LIST(OBJ(F("from", LIST(&netpol_peer)),
                                            F("ports", LIST(&netpol_port))))),
                      F("egress", LIST(OBJ(F("to", LIST(&netpol_peer)),
                                           F("ports", LIST(&netpol_port))))))),
        {NULL, NULL, NULL}},
    NULL};

static const schema_node function_schema = {
    SCHEMA_OBJECT,
    (const schema_field[]){
        TOP_FIELDS,
        F("spec",
          OBJ(F("runtime", STR), F("code", STR),
              F("codeFrom", OBJ(F("configMapRef", NAME_REF), F("key", STR))), F("handler", STR),
              F("env", LIST(OBJ(F("name", STR), F("value", STR)))), F("resources", &resources),
              F("minReplicas", INT), F("maxReplicas", INT), F("targetConcurrency", INT),
              F("scaleToZeroAfter", INT), F("timeoutSeconds", INT))),
        STATUS,
        {NULL, NULL, NULL}},
    NULL};

/* A Choice rule; and/or/not nest rules, hence the self-reference. */
static const schema_node choice_rule;
static const schema_node choice_rule = {
    SCHEMA_OBJECT,
    (const schema_field[]){FA("variable", "Variable", STR),
                           FA("stringEquals", "StringEquals", STR),
                           FA("numericEquals", "NumericEquals", NUM),
                           FA("numericLessThan", "NumericLessThan", NUM),
                           FA("numericGreaterThan", "NumericGreaterThan", NUM),
                           FA("numericLessThanEquals", "NumericLessThanEquals", NUM),
                           FA("numericGreaterThanEquals", "NumericGreaterThanEquals", NUM),
                           FA("booleanEquals", "BooleanEquals", BOOL),
                           FA("isPresent", "IsPresent", BOOL),
                           FA("and", "And", LIST(&choice_rule)),
                           FA("or", "Or", LIST(&choice_rule)),
                           FA("not", "Not", &choice_rule),
                           FA("next", "Next", STR),
                           {NULL, NULL, NULL}},
    NULL};

static const schema_node workflow_state = {
    SCHEMA_OBJECT,
    (const schema_field[]){FA("type", "Type", STR),
                           FA("resource", "Resource", STR),
                           FA("next", "Next", STR),
                           FA("end", "End", BOOL),
                           FA("choices", "Choices", LIST(&choice_rule)),
                           FA("default", "Default", STR),
                           FA("result", "Result", ANY),
                           FA("error", "Error", STR),
                           FA("cause", "Cause", STR),
                           FA("comment", "Comment", STR),
                           {NULL, NULL, NULL}},
    NULL};

static const schema_node workflow_schema = {
    SCHEMA_OBJECT,
    (const schema_field[]){TOP_FIELDS,
                           F("spec", OBJ(FA("startAt", "StartAt", STR),
                                         FA("states", "States", MAP(&workflow_state)),
                                         F("maxSteps", INT), FA("comment", "Comment", STR))),
                           STATUS,
                           {NULL, NULL, NULL}},
    NULL};

static const schema_node gpujob_schema = {
    SCHEMA_OBJECT,
    (const schema_field[]){
        TOP_FIELDS,
        F("spec",
          OBJ(F("sources", LIST(OBJ(F("name", STR), F("content", STR)))),
              F("sourcesFrom", OBJ(F("configMapRef", NAME_REF))), F("build", LIST(STR)),
              F("run", LIST(STR)),
              F("slurm", OBJ(F("partition", STR), F("nodes", INT), F("ntasksPerNode", INT),
                             F("cpusPerTask", INT), F("gres", STR), F("timeLimit", INTSTR),
                             F("memory", INTSTR))),
              F("backoffLimit", INT), F("hpc", OBJ(F("secretRef", NAME_REF))))),
        STATUS,
        {NULL, NULL, NULL}},
    NULL};

static const struct {
    const char *kind;
    const schema_node *schema;
} kind_schemas[] = {
    {"Namespace", &namespace_schema},
    {"Node", &node_schema},
    {"Pod", &pod_schema},
    {"Service", &service_schema},
    {"Endpoints", &endpoints_schema},
    {"ConfigMap", &configmap_schema},
    {"Secret", &secret_schema},
    {"Event", &event_schema},
    {"PersistentVolume", &pv_schema},
    {"PersistentVolumeClaim", &pvc_schema},
    {"LimitRange", &limitrange_schema},
    {"ResourceQuota", &resourcequota_schema},
    {"StorageClass", &storageclass_schema},
    {"PriorityClass", &priorityclass_schema},
    {"ReplicaSet", &replicaset_schema},
    {"Job", &job_schema},
    {"CronJob", &cronjob_schema},
    {"Deployment", &deployment_schema},
    {"DaemonSet", &daemonset_schema},
    {"StatefulSet", &statefulset_schema},
    {"ControllerRevision", &controllerrevision_schema},
    {"HorizontalPodAutoscaler", &hpa_schema},
    {"PodDisruptionBudget", &pdb_schema},
    {"Lease", &lease_schema},
    {"ServiceAccount", &serviceaccount_schema},
    {"Role", &role_schema},
    {"ClusterRole", &clusterrole_schema},
    {"RoleBinding", &binding_schema},
    {"ClusterRoleBinding", &binding_schema},
    {"Ingress", &ingress_schema},
    {"NetworkPolicy", &netpol_schema},
    {"Function", &function_schema},
    {"Workflow", &workflow_schema},
    {"GpuJob", &gpujob_schema},
};

const schema_node *schema_for_kind(const char *kind)
{
    for (size_t i = 0; kind && i < ARRAY_SIZE(kind_schemas); i++)
        if (!strcmp(kind_schemas[i].kind, kind))
            return kind_schemas[i].schema;
    return NULL;
}

/* ---- the walk ---- */

json_object *schema_get(json_object *obj, const char *name, const char *alias,
                        const char **used)
{
    json_object *v = NULL;
    if (used)
        *used = name;
    if (!json_object_is_type(obj, json_type_object))
        return NULL;
    if (json_object_object_get_ex(obj, name, &v) && v)
        return v;
    if (alias && json_object_object_get_ex(obj, alias, &v) && v) {
        if (used)
            *used = alias;
        return v;
    }
    return NULL;
}

static void warn_unknown(mk_warnings *w, const char *path)
{
    if (!w)
        return;
    if (w->n >= MK_MAX_WARNINGS) {
        w->dropped++;
        return;
    }
    /* A path longer than a warning holds is cut (it only names the field). */
    char *dst = w->path[w->n++];
    size_t n = strnlen(path, sizeof w->path[0] - 1);
    memcpy(dst, path, n);
    dst[n] = '\0';
}

/* The path of the value being checked, grown and cut back as the walk goes
 * down and up: one buffer for the whole walk, not a string per field (a pod
 * has a hundred fields, and the path is only read for a message). */
typedef struct spath {
    char buf[1024];
    size_t len;
} spath;

/* A path too long for the buffer is cut short, not overrun. */
static void spath_put(spath *p, const char *s, size_t n)
{
    size_t room = sizeof p->buf - 1 - p->len;
    if (n > room)
        n = room;
    memcpy(p->buf + p->len, s, n);
    p->len += n;
    p->buf[p->len] = '\0';
}

/* Append ".name" (or "[i]" when name is NULL); returns the length to cut
 * back to. Every field of every object checked passes here: no printf. */
static size_t spath_push(spath *p, const char *name, size_t i)
{
    size_t was = p->len;
    if (name) {
        if (p->len)
            spath_put(p, ".", 1);
        spath_put(p, name, strlen(name));
        return was;
    }
    char digits[24], *d = digits + sizeof digits;
    *--d = ']';
    do
        *--d = (char)('0' + i % 10);
    while ((i /= 10));
    *--d = '[';
    spath_put(p, d, (size_t)(digits + sizeof digits - d));
    return was;
}

static void spath_pop(spath *p, size_t len)
{
    p->len = len;
    p->buf[len] = '\0';
}

/* The value as the user wrote it, for messages: strings quoted, at most 64. */
static void show(json_object *v, char *buf, size_t n)
{
    if (json_object_is_type(v, json_type_string))
        snprintf(buf, n, "\"%.64s\"", json_object_get_string(v));
    else
        snprintf(buf, n, "%.64s", json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
}

static int type_error(json_object *v, const char *path, const char *want, mk_err *err)
{
    char shown[80];
    show(v, shown, sizeof shown);
    return mk_error(err, EINVAL, "%s: Invalid value: %s: must be %s", *path ? path : "<root>",
                    shown, want);
}

static bool integral(json_object *v, int64_t lo, int64_t hi)
{
    if (json_object_is_type(v, json_type_int)) {
        int64_t i = json_object_get_int64(v);
        return i >= lo && i <= hi;
    }
    if (json_object_is_type(v, json_type_double)) {
        double d = json_object_get_double(v);
        return d == floor(d) && d >= (double)lo && d <= (double)hi;
    }
    return false;
}

static int check_quantity(json_object *v, const char *path, mk_err *err)
{
    if (!json_object_is_type(v, json_type_string) && !json_object_is_type(v, json_type_int) &&
        !json_object_is_type(v, json_type_double))
        return type_error(v, path, "a quantity (e.g. 500m, 128Mi)", err);
    /* A number keeps the text it was written with ("1e3"), which parses. */
    const char *text = json_object_is_type(v, json_type_string)
                           ? json_object_get_string(v)
                           : json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
    mk_quantity q;
    mk_err qerr = {0};
    if (quantity_parse(text, &q, &qerr) < 0)
        return mk_error(err, EINVAL, "%s: Invalid value: \"%.64s\": %s", path, text, qerr.msg);
    return 0;
}

static int check_node(const schema_node *n, json_object *v, spath *sp, mk_warnings *w,
                      mk_err *err);

static int check_fields(const schema_node *n, json_object *v, spath *sp, mk_warnings *w,
                        mk_err *err)
{
    json_object_object_foreach(v, key, val)
    {
        const schema_field *f = n->fields;
        while (f->name && strcmp(f->name, key) && (!f->alias || strcmp(f->alias, key)))
            f++;
        size_t up = spath_push(sp, key, 0);
        int r = 0;
        if (!f->name)
            warn_unknown(w, sp->buf);
        else
            r = check_node(f->node, val, sp, w, err);
        spath_pop(sp, up);
        if (r < 0)
            return r;
    }
    return 0;
}

int schema_check(const schema_node *n, json_object *v, const char *path, mk_warnings *w,
                 mk_err *err)
{
    spath sp = {.len = 0};
    spath_put(&sp, path, strlen(path));
    return check_node(n, v, &sp, w, err);
}

static int check_node(const schema_node *n, json_object *v, spath *sp, mk_warnings *w,
                      mk_err *err)
{
    const char *path = sp->buf;
    if (!v || !n)
        return 0;
    switch (n->type) {
    case SCHEMA_ANY:
        return 0;
    case SCHEMA_ANY_OBJECT:
        return json_object_is_type(v, json_type_object) ? 0
                                                        : type_error(v, path, "an object", err);
    case SCHEMA_ANY_LIST:
        return json_object_is_type(v, json_type_array) ? 0 : type_error(v, path, "a list", err);
    case SCHEMA_STRING:
        return json_object_is_type(v, json_type_string) ? 0
                                                        : type_error(v, path, "a string", err);
    case SCHEMA_INT32:
        return integral(v, INT32_MIN, INT32_MAX) ? 0
                                                 : type_error(v, path, "a 32-bit integer", err);
    case SCHEMA_INT64:
        return integral(v, INT64_MIN / 2, INT64_MAX / 2)
                   ? 0
                   : type_error(v, path, "an integer", err);
    case SCHEMA_NUMBER:
        return json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)
                   ? 0
                   : type_error(v, path, "a number", err);
    case SCHEMA_BOOL:
        return json_object_is_type(v, json_type_boolean)
                   ? 0
                   : type_error(v, path, "a boolean (true or false)", err);
    case SCHEMA_INT_OR_STRING:
        return json_object_is_type(v, json_type_string) || integral(v, INT32_MIN, INT32_MAX)
                   ? 0
                   : type_error(v, path, "an integer or a string", err);
    case SCHEMA_QUANTITY:
        return check_quantity(v, path, err);
    case SCHEMA_OBJECT:
        if (!json_object_is_type(v, json_type_object))
            return type_error(v, path, "an object", err);
        return check_fields(n, v, sp, w, err);
    case SCHEMA_LIST:
        if (!json_object_is_type(v, json_type_array))
            return type_error(v, path, "a list", err);
        for (size_t i = 0; i < json_object_array_length(v); i++) {
            size_t up = spath_push(sp, NULL, i);
            int r = check_node(n->elem, json_object_array_get_idx(v, i), sp, w, err);
            spath_pop(sp, up);
            if (r < 0)
                return r;
        }
        return 0;
    case SCHEMA_MAP:
        if (!json_object_is_type(v, json_type_object))
            return type_error(v, path, "an object", err);
        json_object_object_foreach(v, key, val)
        {
            size_t up = spath_push(sp, key, 0);
            int r;
            /* A map of strings holds strings: a null is not "absent" here. */
            if (!val && n->elem && n->elem->type == SCHEMA_STRING)
                r = type_error(val, sp->buf, "a string", err);
            else
                r = check_node(n->elem, val, sp, w, err);
            spath_pop(sp, up);
            if (r < 0)
                return r;
        }
        return 0;
    }
    return 0;
}

/* ---- normalising ---- */

static bool is_number(json_object *v)
{
    return json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double);
}

/* The string a numeric quantity becomes: its own text (json-c keeps what
 * the parser read, so "1e3" stays "1e3"). */
static json_object *quantity_string(json_object *v)
{
    return json_object_new_string(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
}

void schema_normalize(const schema_node *n, json_object *v)
{
    if (!n || !v)
        return;
    switch (n->type) {
    case SCHEMA_OBJECT:
        if (!json_object_is_type(v, json_type_object))
            return;
        json_object_object_foreach(v, key, val)
        {
            const schema_field *f = n->fields;
            while (f->name && strcmp(f->name, key) && (!f->alias || strcmp(f->alias, key)))
                f++;
            if (!f->name)
                continue;
            if (f->node->type == SCHEMA_QUANTITY && is_number(val))
                json_object_object_add(v, key, quantity_string(val)); /* replaces in place */
            else
                schema_normalize(f->node, val);
        }
        return;
    case SCHEMA_MAP:
        if (!json_object_is_type(v, json_type_object))
            return;
        json_object_object_foreach(v, mkey, mval)
        {
            if (n->elem->type == SCHEMA_QUANTITY && is_number(mval))
                json_object_object_add(v, mkey, quantity_string(mval));
            else
                schema_normalize(n->elem, mval);
        }
        return;
    case SCHEMA_LIST:
        if (!json_object_is_type(v, json_type_array))
            return;
        for (size_t i = 0; i < json_object_array_length(v); i++) {
            json_object *item = json_object_array_get_idx(v, i);
            if (n->elem->type == SCHEMA_QUANTITY && is_number(item))
                json_object_array_put_idx(v, i, quantity_string(item));
            else
                schema_normalize(n->elem, item);
        }
        return;
    default:
        return;
    }
}
