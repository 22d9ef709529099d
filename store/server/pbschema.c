/* pbschema.c - the messages kubectl sends, field by field (see pbschema.h).
 *
 * Transcribed from Kubernetes' generated.proto files (k8s.io/api core/v1,
 * apps/v1, batch/v1, networking/v1, autoscaling/v1 and v2, policy/v1,
 * rbac/v1, scheduling/v1, authorization/v1, authentication/v1; apimachinery
 * meta/v1), numbers as there; JSON names as the Go types' json tags. Fields
 * of volume plugins this cluster cannot mount (gcePersistentDisk, nfs,
 * csi...) are left out on purpose: a manifest naming one is refused by
 * number. */
#include "store/server/pbschema.h"

#include <string.h>

#include "store/util.h"

static const pb_fld f_OwnerReference[] = {
    {1, "kind", PB_STRING, 0, NULL},     {3, "name", PB_STRING, 0, NULL},
    {4, "uid", PB_STRING, 0, NULL},      {5, "apiVersion", PB_STRING, 0, NULL},
    {6, "controller", PB_BOOL, 0, NULL}, {7, "blockOwnerDeletion", PB_BOOL, 0, NULL}};
static const pb_msg m_OwnerReference = {"OwnerReference", f_OwnerReference,
                                        ARRAY_SIZE(f_OwnerReference)};

static const pb_fld f_ObjectMeta[] = {
    {1, "name", PB_STRING, 0, NULL},
    {2, "generateName", PB_STRING, 0, NULL},
    {3, "namespace", PB_STRING, 0, NULL},
    {4, "selfLink", PB_STRING, 0, NULL},
    {5, "uid", PB_STRING, 0, NULL},
    {6, "resourceVersion", PB_STRING, 0, NULL},
    {7, "generation", PB_INT, 0, NULL},
    {8, "creationTimestamp", PB_TIME, 0, NULL},
    {9, "deletionTimestamp", PB_TIME, 0, NULL},
    {10, "deletionGracePeriodSeconds", PB_INT, 0, NULL},
    {11, "labels", PB_MAP, 0, NULL},
    {12, "annotations", PB_MAP, 0, NULL},
    {13, "ownerReferences", PB_MSG, PB_REPEATED, &m_OwnerReference},
    {14, "finalizers", PB_STRING, PB_REPEATED, NULL},
    {17, "managedFields", PB_DROP, 0, NULL}};
static const pb_msg m_ObjectMeta = {"ObjectMeta", f_ObjectMeta, ARRAY_SIZE(f_ObjectMeta)};

static const pb_fld f_NamespaceSpec[] = {{1, "finalizers", PB_STRING, PB_REPEATED, NULL}};
static const pb_msg m_NamespaceSpec = {"NamespaceSpec", f_NamespaceSpec,
                                       ARRAY_SIZE(f_NamespaceSpec)};

static const pb_fld f_Namespace[] = {{1, "metadata", PB_MSG, 0, &m_ObjectMeta},
                                     {2, "spec", PB_MSG, 0, &m_NamespaceSpec},
                                     {3, "status", PB_DROP, 0, NULL}};
static const pb_msg m_Namespace = {"Namespace", f_Namespace, ARRAY_SIZE(f_Namespace)};

static const pb_fld f_ConfigMap[] = {{1, "metadata", PB_MSG, 0, &m_ObjectMeta},
                                     {2, "data", PB_MAP, 0, NULL},
                                     {3, "binaryData", PB_MAP_BYTES, 0, NULL},
                                     {4, "immutable", PB_BOOL, PB_KEEP_ZERO, NULL}};
static const pb_msg m_ConfigMap = {"ConfigMap", f_ConfigMap, ARRAY_SIZE(f_ConfigMap)};

static const pb_fld f_Secret[] = {{1, "metadata", PB_MSG, 0, &m_ObjectMeta},
                                  {2, "data", PB_MAP_BYTES, 0, NULL},
                                  {3, "type", PB_STRING, 0, NULL},
                                  {4, "stringData", PB_MAP, 0, NULL},
                                  {5, "immutable", PB_BOOL, PB_KEEP_ZERO, NULL}};
static const pb_msg m_Secret = {"Secret", f_Secret, ARRAY_SIZE(f_Secret)};

static const pb_fld f_ServicePort[] = {
    {1, "name", PB_STRING, 0, NULL},  {2, "protocol", PB_STRING, 0, NULL},
    {3, "port", PB_INT, 0, NULL},     {4, "targetPort", PB_INTSTR, 0, NULL},
    {5, "nodePort", PB_INT, 0, NULL}, {6, "appProtocol", PB_STRING, 0, NULL}};
static const pb_msg m_ServicePort = {"ServicePort", f_ServicePort, ARRAY_SIZE(f_ServicePort)};

static const pb_fld f_ServiceSpec[] = {
    {1, "ports", PB_MSG, PB_REPEATED, &m_ServicePort},
    {2, "selector", PB_MAP, 0, NULL},
    {3, "clusterIP", PB_STRING, 0, NULL},
    {4, "type", PB_STRING, 0, NULL},
    {5, "externalIPs", PB_STRING, PB_REPEATED, NULL},
    {7, "sessionAffinity", PB_STRING, 0, NULL},
    {8, "loadBalancerIP", PB_STRING, 0, NULL},
    {9, "loadBalancerSourceRanges", PB_STRING, PB_REPEATED, NULL},
    {10, "externalName", PB_STRING, 0, NULL},
    {11, "externalTrafficPolicy", PB_STRING, 0, NULL},
    {12, "healthCheckNodePort", PB_INT, 0, NULL},
    {13, "publishNotReadyAddresses", PB_BOOL, 0, NULL},
    {17, "ipFamilyPolicy", PB_STRING, 0, NULL},
    {18, "clusterIPs", PB_STRING, PB_REPEATED, NULL},
    {19, "ipFamilies", PB_STRING, PB_REPEATED, NULL},
    {20, "allocateLoadBalancerNodePorts", PB_BOOL, PB_KEEP_ZERO, NULL},
    {21, "loadBalancerClass", PB_STRING, 0, NULL},
    {22, "internalTrafficPolicy", PB_STRING, 0, NULL},
    {23, "trafficDistribution", PB_STRING, 0, NULL}};
static const pb_msg m_ServiceSpec = {"ServiceSpec", f_ServiceSpec, ARRAY_SIZE(f_ServiceSpec)};

static const pb_fld f_Service[] = {{1, "metadata", PB_MSG, 0, &m_ObjectMeta},
                                   {2, "spec", PB_MSG, 0, &m_ServiceSpec},
                                   {3, "status", PB_DROP, 0, NULL}};
static const pb_msg m_Service = {"Service", f_Service, ARRAY_SIZE(f_Service)};

static const pb_fld f_HostPathVolumeSource[] = {{1, "path", PB_STRING, 0, NULL},
                                                {2, "type", PB_STRING, 0, NULL}};
static const pb_msg m_HostPathVolumeSource = {"HostPathVolumeSource", f_HostPathVolumeSource,
                                              ARRAY_SIZE(f_HostPathVolumeSource)};

static const pb_fld f_EmptyDirVolumeSource[] = {{1, "medium", PB_STRING, 0, NULL},
                                                {2, "sizeLimit", PB_QTY, 0, NULL}};
static const pb_msg m_EmptyDirVolumeSource = {"EmptyDirVolumeSource", f_EmptyDirVolumeSource,
                                              ARRAY_SIZE(f_EmptyDirVolumeSource)};

static const pb_fld f_KeyToPath[] = {{1, "key", PB_STRING, 0, NULL},
                                     {2, "path", PB_STRING, 0, NULL},
                                     {3, "mode", PB_INT, PB_KEEP_ZERO, NULL}};
static const pb_msg m_KeyToPath = {"KeyToPath", f_KeyToPath, ARRAY_SIZE(f_KeyToPath)};

static const pb_fld f_SecretVolumeSource[] = {{1, "secretName", PB_STRING, 0, NULL},
                                              {2, "items", PB_MSG, PB_REPEATED, &m_KeyToPath},
                                              {3, "defaultMode", PB_INT, PB_KEEP_ZERO, NULL},
                                              {4, "optional", PB_BOOL, 0, NULL}};
static const pb_msg m_SecretVolumeSource = {"SecretVolumeSource", f_SecretVolumeSource,
                                            ARRAY_SIZE(f_SecretVolumeSource)};

static const pb_fld f_PersistentVolumeClaimVolumeSource[] = {
    {1, "claimName", PB_STRING, 0, NULL}, {2, "readOnly", PB_BOOL, 0, NULL}};
static const pb_msg m_PersistentVolumeClaimVolumeSource = {
    "PersistentVolumeClaimVolumeSource", f_PersistentVolumeClaimVolumeSource,
    ARRAY_SIZE(f_PersistentVolumeClaimVolumeSource)};

static const pb_fld f_ObjectFieldSelector[] = {{1, "apiVersion", PB_STRING, 0, NULL},
                                               {2, "fieldPath", PB_STRING, 0, NULL}};
static const pb_msg m_ObjectFieldSelector = {"ObjectFieldSelector", f_ObjectFieldSelector,
                                             ARRAY_SIZE(f_ObjectFieldSelector)};

static const pb_fld f_ResourceFieldSelector[] = {{1, "containerName", PB_STRING, 0, NULL},
                                                 {2, "resource", PB_STRING, 0, NULL},
                                                 {3, "divisor", PB_QTY, 0, NULL}};
static const pb_msg m_ResourceFieldSelector = {"ResourceFieldSelector", f_ResourceFieldSelector,
                                               ARRAY_SIZE(f_ResourceFieldSelector)};

static const pb_fld f_DownwardAPIVolumeFile[] = {
    {1, "path", PB_STRING, 0, NULL},
    {2, "fieldRef", PB_MSG, 0, &m_ObjectFieldSelector},
    {3, "resourceFieldRef", PB_MSG, 0, &m_ResourceFieldSelector},
    {4, "mode", PB_INT, PB_KEEP_ZERO, NULL}};
static const pb_msg m_DownwardAPIVolumeFile = {"DownwardAPIVolumeFile", f_DownwardAPIVolumeFile,
                                               ARRAY_SIZE(f_DownwardAPIVolumeFile)};

static const pb_fld f_DownwardAPIVolumeSource[] = {
    {1, "items", PB_MSG, PB_REPEATED, &m_DownwardAPIVolumeFile},
    {2, "defaultMode", PB_INT, PB_KEEP_ZERO, NULL}};
static const pb_msg m_DownwardAPIVolumeSource = {"DownwardAPIVolumeSource",
                                                 f_DownwardAPIVolumeSource,
                                                 ARRAY_SIZE(f_DownwardAPIVolumeSource)};

static const pb_fld f_LocalObjectReference[] = {{1, "name", PB_STRING, 0, NULL}};
static const pb_msg m_LocalObjectReference = {"LocalObjectReference", f_LocalObjectReference,
                                              ARRAY_SIZE(f_LocalObjectReference)};

static const pb_fld f_ConfigMapVolumeSource[] = {
    {1, "localObjectReference", PB_INLINE, 0, &m_LocalObjectReference},
    {2, "items", PB_MSG, PB_REPEATED, &m_KeyToPath},
    {3, "defaultMode", PB_INT, PB_KEEP_ZERO, NULL},
    {4, "optional", PB_BOOL, 0, NULL}};
static const pb_msg m_ConfigMapVolumeSource = {"ConfigMapVolumeSource", f_ConfigMapVolumeSource,
                                               ARRAY_SIZE(f_ConfigMapVolumeSource)};

static const pb_fld f_SecretProjection[] = {
    {1, "localObjectReference", PB_INLINE, 0, &m_LocalObjectReference},
    {2, "items", PB_MSG, PB_REPEATED, &m_KeyToPath},
    {4, "optional", PB_BOOL, 0, NULL}};
static const pb_msg m_SecretProjection = {"SecretProjection", f_SecretProjection,
                                          ARRAY_SIZE(f_SecretProjection)};

static const pb_fld f_DownwardAPIProjection[] = {
    {1, "items", PB_MSG, PB_REPEATED, &m_DownwardAPIVolumeFile}};
static const pb_msg m_DownwardAPIProjection = {"DownwardAPIProjection", f_DownwardAPIProjection,
                                               ARRAY_SIZE(f_DownwardAPIProjection)};

static const pb_fld f_ConfigMapProjection[] = {
    {1, "localObjectReference", PB_INLINE, 0, &m_LocalObjectReference},
    {2, "items", PB_MSG, PB_REPEATED, &m_KeyToPath},
    {4, "optional", PB_BOOL, 0, NULL}};
static const pb_msg m_ConfigMapProjection = {"ConfigMapProjection", f_ConfigMapProjection,
                                             ARRAY_SIZE(f_ConfigMapProjection)};

static const pb_fld f_VolumeProjection[] = {
    {1, "secret", PB_MSG, 0, &m_SecretProjection},
    {2, "downwardAPI", PB_MSG, 0, &m_DownwardAPIProjection},
    {3, "configMap", PB_MSG, 0, &m_ConfigMapProjection}};
static const pb_msg m_VolumeProjection = {"VolumeProjection", f_VolumeProjection,
                                          ARRAY_SIZE(f_VolumeProjection)};

static const pb_fld f_ProjectedVolumeSource[] = {
    {1, "sources", PB_MSG, PB_REPEATED, &m_VolumeProjection},
    {2, "defaultMode", PB_INT, PB_KEEP_ZERO, NULL}};
static const pb_msg m_ProjectedVolumeSource = {"ProjectedVolumeSource", f_ProjectedVolumeSource,
                                               ARRAY_SIZE(f_ProjectedVolumeSource)};

static const pb_fld f_VolumeSource[] = {
    {1, "hostPath", PB_MSG, 0, &m_HostPathVolumeSource},
    {2, "emptyDir", PB_MSG, PB_KEEP_ZERO, &m_EmptyDirVolumeSource},
    {6, "secret", PB_MSG, 0, &m_SecretVolumeSource},
    {10, "persistentVolumeClaim", PB_MSG, 0, &m_PersistentVolumeClaimVolumeSource},
    {16, "downwardAPI", PB_MSG, 0, &m_DownwardAPIVolumeSource},
    {19, "configMap", PB_MSG, 0, &m_ConfigMapVolumeSource},
    {26, "projected", PB_MSG, 0, &m_ProjectedVolumeSource}};
static const pb_msg m_VolumeSource = {"VolumeSource", f_VolumeSource,
                                      ARRAY_SIZE(f_VolumeSource)};

static const pb_fld f_Volume[] = {{1, "name", PB_STRING, 0, NULL},
                                  {2, "volumeSource", PB_INLINE, 0, &m_VolumeSource}};
static const pb_msg m_Volume = {"Volume", f_Volume, ARRAY_SIZE(f_Volume)};

static const pb_fld f_ContainerPort[] = {{1, "name", PB_STRING, 0, NULL},
                                         {2, "hostPort", PB_INT, 0, NULL},
                                         {3, "containerPort", PB_INT, 0, NULL},
                                         {4, "protocol", PB_STRING, 0, NULL},
                                         {5, "hostIP", PB_STRING, 0, NULL}};
static const pb_msg m_ContainerPort = {"ContainerPort", f_ContainerPort,
                                       ARRAY_SIZE(f_ContainerPort)};

static const pb_fld f_ConfigMapEnvSource[] = {
    {1, "localObjectReference", PB_INLINE, 0, &m_LocalObjectReference},
    {2, "optional", PB_BOOL, 0, NULL}};
static const pb_msg m_ConfigMapEnvSource = {"ConfigMapEnvSource", f_ConfigMapEnvSource,
                                            ARRAY_SIZE(f_ConfigMapEnvSource)};

static const pb_fld f_SecretEnvSource[] = {
    {1, "localObjectReference", PB_INLINE, 0, &m_LocalObjectReference},
    {2, "optional", PB_BOOL, 0, NULL}};
static const pb_msg m_SecretEnvSource = {"SecretEnvSource", f_SecretEnvSource,
                                         ARRAY_SIZE(f_SecretEnvSource)};

static const pb_fld f_EnvFromSource[] = {{1, "prefix", PB_STRING, 0, NULL},
                                         {2, "configMapRef", PB_MSG, 0, &m_ConfigMapEnvSource},
                                         {3, "secretRef", PB_MSG, 0, &m_SecretEnvSource}};
static const pb_msg m_EnvFromSource = {"EnvFromSource", f_EnvFromSource,
                                       ARRAY_SIZE(f_EnvFromSource)};

static const pb_fld f_ConfigMapKeySelector[] = {
    {1, "localObjectReference", PB_INLINE, 0, &m_LocalObjectReference},
    {2, "key", PB_STRING, 0, NULL},
    {3, "optional", PB_BOOL, 0, NULL}};
static const pb_msg m_ConfigMapKeySelector = {"ConfigMapKeySelector", f_ConfigMapKeySelector,
                                              ARRAY_SIZE(f_ConfigMapKeySelector)};

static const pb_fld f_SecretKeySelector[] = {
    {1, "localObjectReference", PB_INLINE, 0, &m_LocalObjectReference},
    {2, "key", PB_STRING, 0, NULL},
    {3, "optional", PB_BOOL, 0, NULL}};
static const pb_msg m_SecretKeySelector = {"SecretKeySelector", f_SecretKeySelector,
                                           ARRAY_SIZE(f_SecretKeySelector)};

static const pb_fld f_EnvVarSource[] = {
    {1, "fieldRef", PB_MSG, 0, &m_ObjectFieldSelector},
    {2, "resourceFieldRef", PB_MSG, 0, &m_ResourceFieldSelector},
    {3, "configMapKeyRef", PB_MSG, 0, &m_ConfigMapKeySelector},
    {4, "secretKeyRef", PB_MSG, 0, &m_SecretKeySelector}};
static const pb_msg m_EnvVarSource = {"EnvVarSource", f_EnvVarSource,
                                      ARRAY_SIZE(f_EnvVarSource)};

static const pb_fld f_EnvVar[] = {{1, "name", PB_STRING, 0, NULL},
                                  {2, "value", PB_STRING, 0, NULL},
                                  {3, "valueFrom", PB_MSG, 0, &m_EnvVarSource}};
static const pb_msg m_EnvVar = {"EnvVar", f_EnvVar, ARRAY_SIZE(f_EnvVar)};

static const pb_fld f_ResourceRequirements[] = {{1, "limits", PB_MAP_QTY, 0, NULL},
                                                {2, "requests", PB_MAP_QTY, 0, NULL}};
static const pb_msg m_ResourceRequirements = {"ResourceRequirements", f_ResourceRequirements,
                                              ARRAY_SIZE(f_ResourceRequirements)};

static const pb_fld f_VolumeMount[] = {{1, "name", PB_STRING, 0, NULL},
                                       {2, "readOnly", PB_BOOL, 0, NULL},
                                       {3, "mountPath", PB_STRING, 0, NULL},
                                       {4, "subPath", PB_STRING, 0, NULL},
                                       {5, "mountPropagation", PB_STRING, 0, NULL},
                                       {6, "subPathExpr", PB_STRING, 0, NULL},
                                       {7, "recursiveReadOnly", PB_STRING, 0, NULL}};
static const pb_msg m_VolumeMount = {"VolumeMount", f_VolumeMount, ARRAY_SIZE(f_VolumeMount)};

static const pb_fld f_ExecAction[] = {{1, "command", PB_STRING, PB_REPEATED, NULL}};
static const pb_msg m_ExecAction = {"ExecAction", f_ExecAction, ARRAY_SIZE(f_ExecAction)};

static const pb_fld f_HTTPHeader[] = {{1, "name", PB_STRING, 0, NULL},
                                      {2, "value", PB_STRING, 0, NULL}};
static const pb_msg m_HTTPHeader = {"HTTPHeader", f_HTTPHeader, ARRAY_SIZE(f_HTTPHeader)};

static const pb_fld f_HTTPGetAction[] = {
    {1, "path", PB_STRING, 0, NULL},
    {2, "port", PB_INTSTR, 0, NULL},
    {3, "host", PB_STRING, 0, NULL},
    {4, "scheme", PB_STRING, 0, NULL},
    {5, "httpHeaders", PB_MSG, PB_REPEATED, &m_HTTPHeader}};
static const pb_msg m_HTTPGetAction = {"HTTPGetAction", f_HTTPGetAction,
                                       ARRAY_SIZE(f_HTTPGetAction)};

static const pb_fld f_TCPSocketAction[] = {{1, "port", PB_INTSTR, 0, NULL},
                                           {2, "host", PB_STRING, 0, NULL}};
static const pb_msg m_TCPSocketAction = {"TCPSocketAction", f_TCPSocketAction,
                                         ARRAY_SIZE(f_TCPSocketAction)};

static const pb_fld f_GRPCAction[] = {{1, "port", PB_INT, 0, NULL},
                                      {2, "service", PB_STRING, 0, NULL}};
static const pb_msg m_GRPCAction = {"GRPCAction", f_GRPCAction, ARRAY_SIZE(f_GRPCAction)};

static const pb_fld f_ProbeHandler[] = {{1, "exec", PB_MSG, 0, &m_ExecAction},
                                        {2, "httpGet", PB_MSG, 0, &m_HTTPGetAction},
                                        {3, "tcpSocket", PB_MSG, 0, &m_TCPSocketAction},
                                        {4, "grpc", PB_MSG, 0, &m_GRPCAction}};
static const pb_msg m_ProbeHandler = {"ProbeHandler", f_ProbeHandler,
                                      ARRAY_SIZE(f_ProbeHandler)};

static const pb_fld f_Probe[] = {
    {1, "handler", PB_INLINE, 0, &m_ProbeHandler},
    {2, "initialDelaySeconds", PB_INT, 0, NULL},
    {3, "timeoutSeconds", PB_INT, 0, NULL},
    {4, "periodSeconds", PB_INT, 0, NULL},
    {5, "successThreshold", PB_INT, 0, NULL},
    {6, "failureThreshold", PB_INT, 0, NULL},
    {7, "terminationGracePeriodSeconds", PB_INT, PB_KEEP_ZERO, NULL}};
static const pb_msg m_Probe = {"Probe", f_Probe, ARRAY_SIZE(f_Probe)};

static const pb_fld f_SleepAction[] = {{1, "seconds", PB_INT, 0, NULL}};
static const pb_msg m_SleepAction = {"SleepAction", f_SleepAction, ARRAY_SIZE(f_SleepAction)};

static const pb_fld f_LifecycleHandler[] = {{1, "exec", PB_MSG, 0, &m_ExecAction},
                                            {2, "httpGet", PB_MSG, 0, &m_HTTPGetAction},
                                            {3, "tcpSocket", PB_MSG, 0, &m_TCPSocketAction},
                                            {4, "sleep", PB_MSG, PB_KEEP_ZERO, &m_SleepAction}};
static const pb_msg m_LifecycleHandler = {"LifecycleHandler", f_LifecycleHandler,
                                          ARRAY_SIZE(f_LifecycleHandler)};

static const pb_fld f_Lifecycle[] = {{1, "postStart", PB_MSG, 0, &m_LifecycleHandler},
                                     {2, "preStop", PB_MSG, 0, &m_LifecycleHandler},
                                     {3, "stopSignal", PB_STRING, 0, NULL}};
static const pb_msg m_Lifecycle = {"Lifecycle", f_Lifecycle, ARRAY_SIZE(f_Lifecycle)};

static const pb_fld f_Capabilities[] = {{1, "add", PB_STRING, PB_REPEATED, NULL},
                                        {2, "drop", PB_STRING, PB_REPEATED, NULL}};
static const pb_msg m_Capabilities = {"Capabilities", f_Capabilities,
                                      ARRAY_SIZE(f_Capabilities)};

static const pb_fld f_SecurityContext[] = {
    {1, "capabilities", PB_MSG, 0, &m_Capabilities},
    {2, "privileged", PB_BOOL, PB_KEEP_ZERO, NULL},
    {4, "runAsUser", PB_INT, PB_KEEP_ZERO, NULL},
    {5, "runAsNonRoot", PB_BOOL, PB_KEEP_ZERO, NULL},
    {6, "readOnlyRootFilesystem", PB_BOOL, PB_KEEP_ZERO, NULL},
    {7, "allowPrivilegeEscalation", PB_BOOL, PB_KEEP_ZERO, NULL},
    {8, "runAsGroup", PB_INT, PB_KEEP_ZERO, NULL},
    {9, "procMount", PB_STRING, 0, NULL}};
static const pb_msg m_SecurityContext = {"SecurityContext", f_SecurityContext,
                                         ARRAY_SIZE(f_SecurityContext)};

static const pb_fld f_Container[] = {{1, "name", PB_STRING, 0, NULL},
                                     {2, "image", PB_STRING, 0, NULL},
                                     {3, "command", PB_STRING, PB_REPEATED, NULL},
                                     {4, "args", PB_STRING, PB_REPEATED, NULL},
                                     {5, "workingDir", PB_STRING, 0, NULL},
                                     {6, "ports", PB_MSG, PB_REPEATED, &m_ContainerPort},
                                     {7, "env", PB_MSG, PB_REPEATED, &m_EnvVar},
                                     {8, "resources", PB_MSG, 0, &m_ResourceRequirements},
                                     {9, "volumeMounts", PB_MSG, PB_REPEATED, &m_VolumeMount},
                                     {10, "livenessProbe", PB_MSG, 0, &m_Probe},
                                     {11, "readinessProbe", PB_MSG, 0, &m_Probe},
                                     {12, "lifecycle", PB_MSG, 0, &m_Lifecycle},
                                     {13, "terminationMessagePath", PB_STRING, 0, NULL},
                                     {14, "imagePullPolicy", PB_STRING, 0, NULL},
                                     {15, "securityContext", PB_MSG, 0, &m_SecurityContext},
                                     {16, "stdin", PB_BOOL, 0, NULL},
                                     {17, "stdinOnce", PB_BOOL, 0, NULL},
                                     {18, "tty", PB_BOOL, 0, NULL},
                                     {19, "envFrom", PB_MSG, PB_REPEATED, &m_EnvFromSource},
                                     {20, "terminationMessagePolicy", PB_STRING, 0, NULL},
                                     {22, "startupProbe", PB_MSG, 0, &m_Probe},
                                     {24, "restartPolicy", PB_STRING, 0, NULL}};
static const pb_msg m_Container = {"Container", f_Container, ARRAY_SIZE(f_Container)};

static const pb_fld f_PodSecurityContext[] = {
    {2, "runAsUser", PB_INT, PB_KEEP_ZERO, NULL},
    {3, "runAsNonRoot", PB_BOOL, PB_KEEP_ZERO, NULL},
    {4, "supplementalGroups", PB_INT, PB_REPEATED, NULL},
    {5, "fsGroup", PB_INT, PB_KEEP_ZERO, NULL},
    {6, "runAsGroup", PB_INT, PB_KEEP_ZERO, NULL},
    {9, "fsGroupChangePolicy", PB_STRING, 0, NULL},
    {12, "supplementalGroupsPolicy", PB_STRING, 0, NULL},
    {13, "seLinuxChangePolicy", PB_STRING, 0, NULL}};
static const pb_msg m_PodSecurityContext = {"PodSecurityContext", f_PodSecurityContext,
                                            ARRAY_SIZE(f_PodSecurityContext)};

static const pb_fld f_NodeSelectorRequirement[] = {{1, "key", PB_STRING, 0, NULL},
                                                   {2, "operator", PB_STRING, 0, NULL},
                                                   {3, "values", PB_STRING, PB_REPEATED, NULL}};
static const pb_msg m_NodeSelectorRequirement = {"NodeSelectorRequirement",
                                                 f_NodeSelectorRequirement,
                                                 ARRAY_SIZE(f_NodeSelectorRequirement)};

static const pb_fld f_NodeSelectorTerm[] = {
    {1, "matchExpressions", PB_MSG, PB_REPEATED, &m_NodeSelectorRequirement},
    {2, "matchFields", PB_MSG, PB_REPEATED, &m_NodeSelectorRequirement}};
static const pb_msg m_NodeSelectorTerm = {"NodeSelectorTerm", f_NodeSelectorTerm,
                                          ARRAY_SIZE(f_NodeSelectorTerm)};

static const pb_fld f_NodeSelector[] = {
    {1, "nodeSelectorTerms", PB_MSG, PB_REPEATED, &m_NodeSelectorTerm}};
static const pb_msg m_NodeSelector = {"NodeSelector", f_NodeSelector,
                                      ARRAY_SIZE(f_NodeSelector)};

static const pb_fld f_PreferredSchedulingTerm[] = {
    {1, "weight", PB_INT, 0, NULL}, {2, "preference", PB_MSG, 0, &m_NodeSelectorTerm}};
static const pb_msg m_PreferredSchedulingTerm = {"PreferredSchedulingTerm",
                                                 f_PreferredSchedulingTerm,
                                                 ARRAY_SIZE(f_PreferredSchedulingTerm)};

static const pb_fld f_NodeAffinity[] = {
    {1, "requiredDuringSchedulingIgnoredDuringExecution", PB_MSG, 0, &m_NodeSelector},
    {2, "preferredDuringSchedulingIgnoredDuringExecution", PB_MSG, PB_REPEATED,
     &m_PreferredSchedulingTerm}};
static const pb_msg m_NodeAffinity = {"NodeAffinity", f_NodeAffinity,
                                      ARRAY_SIZE(f_NodeAffinity)};

static const pb_fld f_LabelSelectorRequirement[] = {
    {1, "key", PB_STRING, 0, NULL},
    {2, "operator", PB_STRING, 0, NULL},
    {3, "values", PB_STRING, PB_REPEATED, NULL}};
static const pb_msg m_LabelSelectorRequirement = {"LabelSelectorRequirement",
                                                  f_LabelSelectorRequirement,
                                                  ARRAY_SIZE(f_LabelSelectorRequirement)};

static const pb_fld f_LabelSelector[] = {
    {1, "matchLabels", PB_MAP, 0, NULL},
    {2, "matchExpressions", PB_MSG, PB_REPEATED, &m_LabelSelectorRequirement}};
static const pb_msg m_LabelSelector = {"LabelSelector", f_LabelSelector,
                                       ARRAY_SIZE(f_LabelSelector)};

static const pb_fld f_PodAffinityTerm[] = {
    {1, "labelSelector", PB_MSG, 0, &m_LabelSelector},
    {2, "namespaces", PB_STRING, PB_REPEATED, NULL},
    {3, "topologyKey", PB_STRING, 0, NULL},
    {4, "namespaceSelector", PB_MSG, 0, &m_LabelSelector},
    {5, "matchLabelKeys", PB_STRING, PB_REPEATED, NULL},
    {6, "mismatchLabelKeys", PB_STRING, PB_REPEATED, NULL}};
static const pb_msg m_PodAffinityTerm = {"PodAffinityTerm", f_PodAffinityTerm,
                                         ARRAY_SIZE(f_PodAffinityTerm)};

static const pb_fld f_WeightedPodAffinityTerm[] = {
    {1, "weight", PB_INT, 0, NULL}, {2, "podAffinityTerm", PB_MSG, 0, &m_PodAffinityTerm}};
static const pb_msg m_WeightedPodAffinityTerm = {"WeightedPodAffinityTerm",
                                                 f_WeightedPodAffinityTerm,
                                                 ARRAY_SIZE(f_WeightedPodAffinityTerm)};

static const pb_fld f_PodAffinity[] = {{1, "requiredDuringSchedulingIgnoredDuringExecution",
                                        PB_MSG, PB_REPEATED, &m_PodAffinityTerm},
                                       {2, "preferredDuringSchedulingIgnoredDuringExecution",
                                        PB_MSG, PB_REPEATED, &m_WeightedPodAffinityTerm}};
static const pb_msg m_PodAffinity = {"PodAffinity", f_PodAffinity, ARRAY_SIZE(f_PodAffinity)};

static const pb_fld f_PodAntiAffinity[] = {{1, "requiredDuringSchedulingIgnoredDuringExecution",
                                            PB_MSG, PB_REPEATED, &m_PodAffinityTerm},
                                           {2,
                                            "preferredDuringSchedulingIgnoredDuringExecution",
                                            PB_MSG, PB_REPEATED, &m_WeightedPodAffinityTerm}};
static const pb_msg m_PodAntiAffinity = {"PodAntiAffinity", f_PodAntiAffinity,
                                         ARRAY_SIZE(f_PodAntiAffinity)};

static const pb_fld f_Affinity[] = {{1, "nodeAffinity", PB_MSG, 0, &m_NodeAffinity},
                                    {2, "podAffinity", PB_MSG, 0, &m_PodAffinity},
                                    {3, "podAntiAffinity", PB_MSG, 0, &m_PodAntiAffinity}};
static const pb_msg m_Affinity = {"Affinity", f_Affinity, ARRAY_SIZE(f_Affinity)};

static const pb_fld f_Toleration[] = {{1, "key", PB_STRING, 0, NULL},
                                      {2, "operator", PB_STRING, 0, NULL},
                                      {3, "value", PB_STRING, 0, NULL},
                                      {4, "effect", PB_STRING, 0, NULL},
                                      {5, "tolerationSeconds", PB_INT, PB_KEEP_ZERO, NULL}};
static const pb_msg m_Toleration = {"Toleration", f_Toleration, ARRAY_SIZE(f_Toleration)};

static const pb_fld f_HostAlias[] = {{1, "ip", PB_STRING, 0, NULL},
                                     {2, "hostnames", PB_STRING, PB_REPEATED, NULL}};
static const pb_msg m_HostAlias = {"HostAlias", f_HostAlias, ARRAY_SIZE(f_HostAlias)};

static const pb_fld f_PodDNSConfigOption[] = {{1, "name", PB_STRING, 0, NULL},
                                              {2, "value", PB_STRING, 0, NULL}};
static const pb_msg m_PodDNSConfigOption = {"PodDNSConfigOption", f_PodDNSConfigOption,
                                            ARRAY_SIZE(f_PodDNSConfigOption)};

static const pb_fld f_PodDNSConfig[] = {
    {1, "nameservers", PB_STRING, PB_REPEATED, NULL},
    {2, "searches", PB_STRING, PB_REPEATED, NULL},
    {3, "options", PB_MSG, PB_REPEATED, &m_PodDNSConfigOption}};
static const pb_msg m_PodDNSConfig = {"PodDNSConfig", f_PodDNSConfig,
                                      ARRAY_SIZE(f_PodDNSConfig)};

static const pb_fld f_TopologySpreadConstraint[] = {
    {1, "maxSkew", PB_INT, 0, NULL},
    {2, "topologyKey", PB_STRING, 0, NULL},
    {3, "whenUnsatisfiable", PB_STRING, 0, NULL},
    {4, "labelSelector", PB_MSG, 0, &m_LabelSelector},
    {5, "minDomains", PB_INT, 0, NULL},
    {6, "nodeAffinityPolicy", PB_STRING, 0, NULL},
    {7, "nodeTaintsPolicy", PB_STRING, 0, NULL},
    {8, "matchLabelKeys", PB_STRING, PB_REPEATED, NULL}};
static const pb_msg m_TopologySpreadConstraint = {"TopologySpreadConstraint",
                                                  f_TopologySpreadConstraint,
                                                  ARRAY_SIZE(f_TopologySpreadConstraint)};

static const pb_fld f_PodSpec[] = {
    {1, "volumes", PB_MSG, PB_REPEATED, &m_Volume},
    {2, "containers", PB_MSG, PB_REPEATED, &m_Container},
    {3, "restartPolicy", PB_STRING, 0, NULL},
    {4, "terminationGracePeriodSeconds", PB_INT, PB_KEEP_ZERO, NULL},
    {5, "activeDeadlineSeconds", PB_INT, PB_KEEP_ZERO, NULL},
    {6, "dnsPolicy", PB_STRING, 0, NULL},
    {7, "nodeSelector", PB_MAP, 0, NULL},
    {8, "serviceAccountName", PB_STRING, 0, NULL},
    {9, "serviceAccount", PB_STRING, 0, NULL},
    {10, "nodeName", PB_STRING, 0, NULL},
    {11, "hostNetwork", PB_BOOL, 0, NULL},
    {12, "hostPID", PB_BOOL, 0, NULL},
    {13, "hostIPC", PB_BOOL, 0, NULL},
    {14, "securityContext", PB_MSG, 0, &m_PodSecurityContext},
    {15, "imagePullSecrets", PB_MSG, PB_REPEATED, &m_LocalObjectReference},
    {16, "hostname", PB_STRING, 0, NULL},
    {17, "subdomain", PB_STRING, 0, NULL},
    {18, "affinity", PB_MSG, 0, &m_Affinity},
    {19, "schedulerName", PB_STRING, 0, NULL},
    {20, "initContainers", PB_MSG, PB_REPEATED, &m_Container},
    {21, "automountServiceAccountToken", PB_BOOL, PB_KEEP_ZERO, NULL},
    {22, "tolerations", PB_MSG, PB_REPEATED, &m_Toleration},
    {23, "hostAliases", PB_MSG, PB_REPEATED, &m_HostAlias},
    {24, "priorityClassName", PB_STRING, 0, NULL},
    {25, "priority", PB_INT, PB_KEEP_ZERO, NULL},
    {26, "dnsConfig", PB_MSG, 0, &m_PodDNSConfig},
    {27, "shareProcessNamespace", PB_BOOL, PB_KEEP_ZERO, NULL},
    {29, "runtimeClassName", PB_STRING, 0, NULL},
    {30, "enableServiceLinks", PB_BOOL, PB_KEEP_ZERO, NULL},
    {31, "preemptionPolicy", PB_STRING, 0, NULL},
    {32, "overhead", PB_MAP_QTY, 0, NULL},
    {33, "topologySpreadConstraints", PB_MSG, PB_REPEATED, &m_TopologySpreadConstraint},
    {35, "setHostnameAsFQDN", PB_BOOL, PB_KEEP_ZERO, NULL},
    {37, "hostUsers", PB_BOOL, PB_KEEP_ZERO, NULL},
    {40, "resources", PB_MSG, 0, &m_ResourceRequirements},
    {41, "hostnameOverride", PB_STRING, 0, NULL}};
static const pb_msg m_PodSpec = {"PodSpec", f_PodSpec, ARRAY_SIZE(f_PodSpec)};

static const pb_fld f_Pod[] = {{1, "metadata", PB_MSG, 0, &m_ObjectMeta},
                               {2, "spec", PB_MSG, 0, &m_PodSpec},
                               {3, "status", PB_DROP, 0, NULL}};
static const pb_msg m_Pod = {"Pod", f_Pod, ARRAY_SIZE(f_Pod)};

static const pb_fld f_PodTemplateSpec[] = {{1, "metadata", PB_MSG, 0, &m_ObjectMeta},
                                           {2, "spec", PB_MSG, 0, &m_PodSpec}};
static const pb_msg m_PodTemplateSpec = {"PodTemplateSpec", f_PodTemplateSpec,
                                         ARRAY_SIZE(f_PodTemplateSpec)};

static const pb_fld f_RollingUpdateDeployment[] = {
    {1, "maxUnavailable", PB_INTSTR, PB_KEEP_ZERO, NULL},
    {2, "maxSurge", PB_INTSTR, PB_KEEP_ZERO, NULL}};
static const pb_msg m_RollingUpdateDeployment = {"RollingUpdateDeployment",
                                                 f_RollingUpdateDeployment,
                                                 ARRAY_SIZE(f_RollingUpdateDeployment)};

static const pb_fld f_DeploymentStrategy[] = {
    {1, "type", PB_STRING, 0, NULL},
    {2, "rollingUpdate", PB_MSG, 0, &m_RollingUpdateDeployment}};
static const pb_msg m_DeploymentStrategy = {"DeploymentStrategy", f_DeploymentStrategy,
                                            ARRAY_SIZE(f_DeploymentStrategy)};

static const pb_fld f_DeploymentSpec[] = {
    {1, "replicas", PB_INT, PB_KEEP_ZERO, NULL},
    {2, "selector", PB_MSG, 0, &m_LabelSelector},
    {3, "template", PB_MSG, 0, &m_PodTemplateSpec},
    {4, "strategy", PB_MSG, 0, &m_DeploymentStrategy},
    {5, "minReadySeconds", PB_INT, 0, NULL},
    {6, "revisionHistoryLimit", PB_INT, PB_KEEP_ZERO, NULL},
    {7, "paused", PB_BOOL, 0, NULL},
    {9, "progressDeadlineSeconds", PB_INT, PB_KEEP_ZERO, NULL},
    {10, "podReplacementPolicy", PB_STRING, 0, NULL}};
static const pb_msg m_DeploymentSpec = {"DeploymentSpec", f_DeploymentSpec,
                                        ARRAY_SIZE(f_DeploymentSpec)};

static const pb_fld f_Deployment[] = {{1, "metadata", PB_MSG, 0, &m_ObjectMeta},
                                      {2, "spec", PB_MSG, 0, &m_DeploymentSpec},
                                      {3, "status", PB_DROP, 0, NULL}};
static const pb_msg m_Deployment = {"Deployment", f_Deployment, ARRAY_SIZE(f_Deployment)};

static const pb_fld f_RollingUpdateStatefulSetStrategy[] = {
    {1, "partition", PB_INT, PB_KEEP_ZERO, NULL},
    {2, "maxUnavailable", PB_INTSTR, PB_KEEP_ZERO, NULL}};
static const pb_msg m_RollingUpdateStatefulSetStrategy = {
    "RollingUpdateStatefulSetStrategy", f_RollingUpdateStatefulSetStrategy,
    ARRAY_SIZE(f_RollingUpdateStatefulSetStrategy)};

static const pb_fld f_StatefulSetUpdateStrategy[] = {
    {1, "type", PB_STRING, 0, NULL},
    {2, "rollingUpdate", PB_MSG, 0, &m_RollingUpdateStatefulSetStrategy}};
static const pb_msg m_StatefulSetUpdateStrategy = {"StatefulSetUpdateStrategy",
                                                   f_StatefulSetUpdateStrategy,
                                                   ARRAY_SIZE(f_StatefulSetUpdateStrategy)};

static const pb_fld f_StatefulSetPersistentVolumeClaimRetentionPolicy[] = {
    {1, "whenDeleted", PB_STRING, 0, NULL}, {2, "whenScaled", PB_STRING, 0, NULL}};
static const pb_msg m_StatefulSetPersistentVolumeClaimRetentionPolicy = {
    "StatefulSetPersistentVolumeClaimRetentionPolicy",
    f_StatefulSetPersistentVolumeClaimRetentionPolicy,
    ARRAY_SIZE(f_StatefulSetPersistentVolumeClaimRetentionPolicy)};

static const pb_fld f_StatefulSetOrdinals[] = {{1, "start", PB_INT, 0, NULL}};
static const pb_msg m_StatefulSetOrdinals = {"StatefulSetOrdinals", f_StatefulSetOrdinals,
                                             ARRAY_SIZE(f_StatefulSetOrdinals)};

static const pb_fld f_StatefulSetSpec[] = {
    {1, "replicas", PB_INT, PB_KEEP_ZERO, NULL},
    {2, "selector", PB_MSG, 0, &m_LabelSelector},
    {3, "template", PB_MSG, 0, &m_PodTemplateSpec},
    {5, "serviceName", PB_STRING, 0, NULL},
    {6, "podManagementPolicy", PB_STRING, 0, NULL},
    {7, "updateStrategy", PB_MSG, 0, &m_StatefulSetUpdateStrategy},
    {8, "revisionHistoryLimit", PB_INT, PB_KEEP_ZERO, NULL},
    {9, "minReadySeconds", PB_INT, PB_KEEP_ZERO, NULL},
    {10, "persistentVolumeClaimRetentionPolicy", PB_MSG, 0,
     &m_StatefulSetPersistentVolumeClaimRetentionPolicy},
    {11, "ordinals", PB_MSG, 0, &m_StatefulSetOrdinals}};
static const pb_msg m_StatefulSetSpec = {"StatefulSetSpec", f_StatefulSetSpec,
                                         ARRAY_SIZE(f_StatefulSetSpec)};

static const pb_fld f_StatefulSet[] = {{1, "metadata", PB_MSG, 0, &m_ObjectMeta},
                                       {2, "spec", PB_MSG, 0, &m_StatefulSetSpec},
                                       {3, "status", PB_DROP, 0, NULL}};
static const pb_msg m_StatefulSet = {"StatefulSet", f_StatefulSet, ARRAY_SIZE(f_StatefulSet)};

static const pb_fld f_RollingUpdateDaemonSet[] = {
    {1, "maxUnavailable", PB_INTSTR, PB_KEEP_ZERO, NULL},
    {2, "maxSurge", PB_INTSTR, PB_KEEP_ZERO, NULL}};
static const pb_msg m_RollingUpdateDaemonSet = {
    "RollingUpdateDaemonSet", f_RollingUpdateDaemonSet, ARRAY_SIZE(f_RollingUpdateDaemonSet)};

static const pb_fld f_DaemonSetUpdateStrategy[] = {
    {1, "type", PB_STRING, 0, NULL},
    {2, "rollingUpdate", PB_MSG, 0, &m_RollingUpdateDaemonSet}};
static const pb_msg m_DaemonSetUpdateStrategy = {"DaemonSetUpdateStrategy",
                                                 f_DaemonSetUpdateStrategy,
                                                 ARRAY_SIZE(f_DaemonSetUpdateStrategy)};

static const pb_fld f_DaemonSetSpec[] = {
    {1, "selector", PB_MSG, 0, &m_LabelSelector},
    {2, "template", PB_MSG, 0, &m_PodTemplateSpec},
    {3, "updateStrategy", PB_MSG, 0, &m_DaemonSetUpdateStrategy},
    {4, "minReadySeconds", PB_INT, 0, NULL},
    {6, "revisionHistoryLimit", PB_INT, PB_KEEP_ZERO, NULL}};
static const pb_msg m_DaemonSetSpec = {"DaemonSetSpec", f_DaemonSetSpec,
                                       ARRAY_SIZE(f_DaemonSetSpec)};

static const pb_fld f_DaemonSet[] = {{1, "metadata", PB_MSG, 0, &m_ObjectMeta},
                                     {2, "spec", PB_MSG, 0, &m_DaemonSetSpec},
                                     {3, "status", PB_DROP, 0, NULL}};
static const pb_msg m_DaemonSet = {"DaemonSet", f_DaemonSet, ARRAY_SIZE(f_DaemonSet)};

static const pb_fld f_JobSpec[] = {{1, "parallelism", PB_INT, PB_KEEP_ZERO, NULL},
                                   {2, "completions", PB_INT, PB_KEEP_ZERO, NULL},
                                   {3, "activeDeadlineSeconds", PB_INT, PB_KEEP_ZERO, NULL},
                                   {4, "selector", PB_MSG, 0, &m_LabelSelector},
                                   {5, "manualSelector", PB_BOOL, PB_KEEP_ZERO, NULL},
                                   {6, "template", PB_MSG, 0, &m_PodTemplateSpec},
                                   {7, "backoffLimit", PB_INT, PB_KEEP_ZERO, NULL},
                                   {8, "ttlSecondsAfterFinished", PB_INT, PB_KEEP_ZERO, NULL},
                                   {9, "completionMode", PB_STRING, 0, NULL},
                                   {10, "suspend", PB_BOOL, PB_KEEP_ZERO, NULL},
                                   {12, "backoffLimitPerIndex", PB_INT, 0, NULL},
                                   {13, "maxFailedIndexes", PB_INT, 0, NULL},
                                   {14, "podReplacementPolicy", PB_STRING, 0, NULL},
                                   {15, "managedBy", PB_STRING, 0, NULL}};
static const pb_msg m_JobSpec = {"JobSpec", f_JobSpec, ARRAY_SIZE(f_JobSpec)};

static const pb_fld f_Job[] = {{1, "metadata", PB_MSG, 0, &m_ObjectMeta},
                               {2, "spec", PB_MSG, 0, &m_JobSpec},
                               {3, "status", PB_DROP, 0, NULL}};
static const pb_msg m_Job = {"Job", f_Job, ARRAY_SIZE(f_Job)};

static const pb_fld f_JobTemplateSpec[] = {{1, "metadata", PB_MSG, 0, &m_ObjectMeta},
                                           {2, "spec", PB_MSG, 0, &m_JobSpec}};
static const pb_msg m_JobTemplateSpec = {"JobTemplateSpec", f_JobTemplateSpec,
                                         ARRAY_SIZE(f_JobTemplateSpec)};

static const pb_fld f_CronJobSpec[] = {
    {1, "schedule", PB_STRING, 0, NULL},
    {2, "startingDeadlineSeconds", PB_INT, PB_KEEP_ZERO, NULL},
    {3, "concurrencyPolicy", PB_STRING, 0, NULL},
    {4, "suspend", PB_BOOL, PB_KEEP_ZERO, NULL},
    {5, "jobTemplate", PB_MSG, 0, &m_JobTemplateSpec},
    {6, "successfulJobsHistoryLimit", PB_INT, PB_KEEP_ZERO, NULL},
    {7, "failedJobsHistoryLimit", PB_INT, PB_KEEP_ZERO, NULL},
    {8, "timeZone", PB_STRING, 0, NULL}};
static const pb_msg m_CronJobSpec = {"CronJobSpec", f_CronJobSpec, ARRAY_SIZE(f_CronJobSpec)};

static const pb_fld f_CronJob[] = {{1, "metadata", PB_MSG, 0, &m_ObjectMeta},
                                   {2, "spec", PB_MSG, 0, &m_CronJobSpec},
                                   {3, "status", PB_DROP, 0, NULL}};
static const pb_msg m_CronJob = {"CronJob", f_CronJob, ARRAY_SIZE(f_CronJob)};

static const pb_fld f_ServiceBackendPort[] = {{1, "name", PB_STRING, 0, NULL},
                                              {2, "number", PB_INT, 0, NULL}};
static const pb_msg m_ServiceBackendPort = {"ServiceBackendPort", f_ServiceBackendPort,
                                            ARRAY_SIZE(f_ServiceBackendPort)};

static const pb_fld f_IngressServiceBackend[] = {{1, "name", PB_STRING, 0, NULL},
                                                 {2, "port", PB_MSG, 0, &m_ServiceBackendPort}};
static const pb_msg m_IngressServiceBackend = {"IngressServiceBackend", f_IngressServiceBackend,
                                               ARRAY_SIZE(f_IngressServiceBackend)};

static const pb_fld f_IngressBackend[] = {{4, "service", PB_MSG, 0, &m_IngressServiceBackend}};
static const pb_msg m_IngressBackend = {"IngressBackend", f_IngressBackend,
                                        ARRAY_SIZE(f_IngressBackend)};

static const pb_fld f_IngressTLS[] = {{1, "hosts", PB_STRING, PB_REPEATED, NULL},
                                      {2, "secretName", PB_STRING, 0, NULL}};
static const pb_msg m_IngressTLS = {"IngressTLS", f_IngressTLS, ARRAY_SIZE(f_IngressTLS)};

static const pb_fld f_HTTPIngressPath[] = {{1, "path", PB_STRING, 0, NULL},
                                           {2, "backend", PB_MSG, 0, &m_IngressBackend},
                                           {3, "pathType", PB_STRING, 0, NULL}};
static const pb_msg m_HTTPIngressPath = {"HTTPIngressPath", f_HTTPIngressPath,
                                         ARRAY_SIZE(f_HTTPIngressPath)};

static const pb_fld f_HTTPIngressRuleValue[] = {
    {1, "paths", PB_MSG, PB_REPEATED, &m_HTTPIngressPath}};
static const pb_msg m_HTTPIngressRuleValue = {"HTTPIngressRuleValue", f_HTTPIngressRuleValue,
                                              ARRAY_SIZE(f_HTTPIngressRuleValue)};

static const pb_fld f_IngressRuleValue[] = {{1, "http", PB_MSG, 0, &m_HTTPIngressRuleValue}};
static const pb_msg m_IngressRuleValue = {"IngressRuleValue", f_IngressRuleValue,
                                          ARRAY_SIZE(f_IngressRuleValue)};

static const pb_fld f_IngressRule[] = {
    {1, "host", PB_STRING, 0, NULL},
    {2, "ingressRuleValue", PB_INLINE, 0, &m_IngressRuleValue}};
static const pb_msg m_IngressRule = {"IngressRule", f_IngressRule, ARRAY_SIZE(f_IngressRule)};

static const pb_fld f_IngressSpec[] = {{1, "defaultBackend", PB_MSG, 0, &m_IngressBackend},
                                       {2, "tls", PB_MSG, PB_REPEATED, &m_IngressTLS},
                                       {3, "rules", PB_MSG, PB_REPEATED, &m_IngressRule},
                                       {4, "ingressClassName", PB_STRING, 0, NULL}};
static const pb_msg m_IngressSpec = {"IngressSpec", f_IngressSpec, ARRAY_SIZE(f_IngressSpec)};

static const pb_fld f_Ingress[] = {{1, "metadata", PB_MSG, 0, &m_ObjectMeta},
                                   {2, "spec", PB_MSG, 0, &m_IngressSpec},
                                   {3, "status", PB_DROP, 0, NULL}};
static const pb_msg m_Ingress = {"Ingress", f_Ingress, ARRAY_SIZE(f_Ingress)};

static const pb_fld f_CrossVersionObjectReference[] = {{1, "kind", PB_STRING, 0, NULL},
                                                       {2, "name", PB_STRING, 0, NULL},
                                                       {3, "apiVersion", PB_STRING, 0, NULL}};
static const pb_msg m_CrossVersionObjectReference = {"CrossVersionObjectReference",
                                                     f_CrossVersionObjectReference,
                                                     ARRAY_SIZE(f_CrossVersionObjectReference)};

static const pb_fld f_MetricTarget[] = {{1, "type", PB_STRING, 0, NULL},
                                        {2, "value", PB_QTY, 0, NULL},
                                        {3, "averageValue", PB_QTY, 0, NULL},
                                        {4, "averageUtilization", PB_INT, PB_KEEP_ZERO, NULL}};
static const pb_msg m_MetricTarget = {"MetricTarget", f_MetricTarget,
                                      ARRAY_SIZE(f_MetricTarget)};

static const pb_fld f_MetricIdentifier[] = {{1, "name", PB_STRING, 0, NULL},
                                            {2, "selector", PB_MSG, 0, &m_LabelSelector}};
static const pb_msg m_MetricIdentifier = {"MetricIdentifier", f_MetricIdentifier,
                                          ARRAY_SIZE(f_MetricIdentifier)};

static const pb_fld f_ObjectMetricSource[] = {
    {1, "describedObject", PB_MSG, 0, &m_CrossVersionObjectReference},
    {2, "target", PB_MSG, 0, &m_MetricTarget},
    {3, "metric", PB_MSG, 0, &m_MetricIdentifier}};
static const pb_msg m_ObjectMetricSource = {"ObjectMetricSource", f_ObjectMetricSource,
                                            ARRAY_SIZE(f_ObjectMetricSource)};

static const pb_fld f_PodsMetricSource[] = {{1, "metric", PB_MSG, 0, &m_MetricIdentifier},
                                            {2, "target", PB_MSG, 0, &m_MetricTarget}};
static const pb_msg m_PodsMetricSource = {"PodsMetricSource", f_PodsMetricSource,
                                          ARRAY_SIZE(f_PodsMetricSource)};

static const pb_fld f_ResourceMetricSource[] = {{1, "name", PB_STRING, 0, NULL},
                                                {2, "target", PB_MSG, 0, &m_MetricTarget}};
static const pb_msg m_ResourceMetricSource = {"ResourceMetricSource", f_ResourceMetricSource,
                                              ARRAY_SIZE(f_ResourceMetricSource)};

static const pb_fld f_ContainerResourceMetricSource[] = {
    {1, "name", PB_STRING, 0, NULL},
    {2, "target", PB_MSG, 0, &m_MetricTarget},
    {3, "container", PB_STRING, 0, NULL}};
static const pb_msg m_ContainerResourceMetricSource = {
    "ContainerResourceMetricSource", f_ContainerResourceMetricSource,
    ARRAY_SIZE(f_ContainerResourceMetricSource)};

static const pb_fld f_ExternalMetricSource[] = {{1, "metric", PB_MSG, 0, &m_MetricIdentifier},
                                                {2, "target", PB_MSG, 0, &m_MetricTarget}};
static const pb_msg m_ExternalMetricSource = {"ExternalMetricSource", f_ExternalMetricSource,
                                              ARRAY_SIZE(f_ExternalMetricSource)};

static const pb_fld f_MetricSpec[] = {
    {1, "type", PB_STRING, 0, NULL},
    {2, "object", PB_MSG, 0, &m_ObjectMetricSource},
    {3, "pods", PB_MSG, 0, &m_PodsMetricSource},
    {4, "resource", PB_MSG, 0, &m_ResourceMetricSource},
    {5, "external", PB_MSG, 0, &m_ExternalMetricSource},
    {7, "containerResource", PB_MSG, 0, &m_ContainerResourceMetricSource}};
static const pb_msg m_MetricSpec = {"MetricSpec", f_MetricSpec, ARRAY_SIZE(f_MetricSpec)};

static const pb_fld f_HPAScalingPolicy[] = {{1, "type", PB_STRING, 0, NULL},
                                            {2, "value", PB_INT, 0, NULL},
                                            {3, "periodSeconds", PB_INT, 0, NULL}};
static const pb_msg m_HPAScalingPolicy = {"HPAScalingPolicy", f_HPAScalingPolicy,
                                          ARRAY_SIZE(f_HPAScalingPolicy)};

static const pb_fld f_HPAScalingRules[] = {
    {1, "selectPolicy", PB_STRING, 0, NULL},
    {2, "policies", PB_MSG, PB_REPEATED, &m_HPAScalingPolicy},
    {3, "stabilizationWindowSeconds", PB_INT, 0, NULL},
    {4, "tolerance", PB_QTY, 0, NULL}};
static const pb_msg m_HPAScalingRules = {"HPAScalingRules", f_HPAScalingRules,
                                         ARRAY_SIZE(f_HPAScalingRules)};

static const pb_fld f_HorizontalPodAutoscalerBehavior[] = {
    {1, "scaleUp", PB_MSG, 0, &m_HPAScalingRules},
    {2, "scaleDown", PB_MSG, 0, &m_HPAScalingRules}};
static const pb_msg m_HorizontalPodAutoscalerBehavior = {
    "HorizontalPodAutoscalerBehavior", f_HorizontalPodAutoscalerBehavior,
    ARRAY_SIZE(f_HorizontalPodAutoscalerBehavior)};

static const pb_fld f_HorizontalPodAutoscalerSpec[] = {
    {1, "scaleTargetRef", PB_MSG, 0, &m_CrossVersionObjectReference},
    {2, "minReplicas", PB_INT, PB_KEEP_ZERO, NULL},
    {3, "maxReplicas", PB_INT, 0, NULL},
    {4, "metrics", PB_MSG, PB_REPEATED, &m_MetricSpec},
    {5, "behavior", PB_MSG, 0, &m_HorizontalPodAutoscalerBehavior}};
static const pb_msg m_HorizontalPodAutoscalerSpec = {"HorizontalPodAutoscalerSpec",
                                                     f_HorizontalPodAutoscalerSpec,
                                                     ARRAY_SIZE(f_HorizontalPodAutoscalerSpec)};

static const pb_fld f_HorizontalPodAutoscaler[] = {
    {1, "metadata", PB_MSG, 0, &m_ObjectMeta},
    {2, "spec", PB_MSG, 0, &m_HorizontalPodAutoscalerSpec},
    {3, "status", PB_DROP, 0, NULL}};
static const pb_msg m_HorizontalPodAutoscaler = {"HorizontalPodAutoscaler",
                                                 f_HorizontalPodAutoscaler,
                                                 ARRAY_SIZE(f_HorizontalPodAutoscaler)};

/* autoscaling/v1: the messages share v2's names, hence the V1 suffix. */
static const pb_fld f_HorizontalPodAutoscalerSpecV1[] = {
    {1, "scaleTargetRef", PB_MSG, 0, &m_CrossVersionObjectReference},
    {2, "minReplicas", PB_INT, PB_KEEP_ZERO, NULL},
    {3, "maxReplicas", PB_INT, 0, NULL},
    {4, "targetCPUUtilizationPercentage", PB_INT, PB_KEEP_ZERO, NULL}};
static const pb_msg m_HorizontalPodAutoscalerSpecV1 = {
    "HorizontalPodAutoscalerSpec", f_HorizontalPodAutoscalerSpecV1,
    ARRAY_SIZE(f_HorizontalPodAutoscalerSpecV1)};

static const pb_fld f_HorizontalPodAutoscalerV1[] = {
    {1, "metadata", PB_MSG, 0, &m_ObjectMeta},
    {2, "spec", PB_MSG, 0, &m_HorizontalPodAutoscalerSpecV1},
    {3, "status", PB_DROP, 0, NULL}};
static const pb_msg m_HorizontalPodAutoscalerV1 = {"HorizontalPodAutoscaler",
                                                   f_HorizontalPodAutoscalerV1,
                                                   ARRAY_SIZE(f_HorizontalPodAutoscalerV1)};

static const pb_fld f_Preconditions[] = {{1, "uid", PB_STRING, 0, NULL},
                                         {2, "resourceVersion", PB_STRING, 0, NULL}};
static const pb_msg m_Preconditions = {"Preconditions", f_Preconditions,
                                       ARRAY_SIZE(f_Preconditions)};

static const pb_fld f_DeleteOptions[] = {
    {1, "gracePeriodSeconds", PB_INT, PB_KEEP_ZERO, NULL},
    {2, "preconditions", PB_MSG, 0, &m_Preconditions},
    {3, "orphanDependents", PB_BOOL, PB_KEEP_ZERO, NULL},
    {4, "propagationPolicy", PB_STRING, 0, NULL},
    {5, "dryRun", PB_STRING, PB_REPEATED, NULL},
    {6, "ignoreStoreReadErrorWithClusterBreakingPotential", PB_BOOL, 0, NULL}};
static const pb_msg m_DeleteOptions = {"DeleteOptions", f_DeleteOptions,
                                       ARRAY_SIZE(f_DeleteOptions)};

static const pb_fld f_ObjectReference[] = {
    {1, "kind", PB_STRING, 0, NULL},       {2, "namespace", PB_STRING, 0, NULL},
    {3, "name", PB_STRING, 0, NULL},       {4, "uid", PB_STRING, 0, NULL},
    {5, "apiVersion", PB_STRING, 0, NULL}, {6, "resourceVersion", PB_STRING, 0, NULL},
    {7, "fieldPath", PB_STRING, 0, NULL}};
static const pb_msg m_ObjectReference = {"ObjectReference", f_ObjectReference,
                                         ARRAY_SIZE(f_ObjectReference)};

/* What `kubectl create serviceaccount` sends. */
static const pb_fld f_ServiceAccount[] = {
    {1, "metadata", PB_MSG, 0, &m_ObjectMeta},
    {2, "secrets", PB_MSG, PB_REPEATED, &m_ObjectReference},
    {3, "imagePullSecrets", PB_MSG, PB_REPEATED, &m_LocalObjectReference},
    {4, "automountServiceAccountToken", PB_BOOL, PB_KEEP_ZERO, NULL}};
static const pb_msg m_ServiceAccount = {"ServiceAccount", f_ServiceAccount,
                                        ARRAY_SIZE(f_ServiceAccount)};

/* rbac.authorization.k8s.io/v1: what `kubectl create role`, `clusterrole`,
 * `rolebinding` and `clusterrolebinding` send. */
static const pb_fld f_PolicyRule[] = {{1, "verbs", PB_STRING, PB_REPEATED, NULL},
                                      {2, "apiGroups", PB_STRING, PB_REPEATED, NULL},
                                      {3, "resources", PB_STRING, PB_REPEATED, NULL},
                                      {4, "resourceNames", PB_STRING, PB_REPEATED, NULL},
                                      {5, "nonResourceURLs", PB_STRING, PB_REPEATED, NULL}};
static const pb_msg m_PolicyRule = {"PolicyRule", f_PolicyRule, ARRAY_SIZE(f_PolicyRule)};

static const pb_fld f_Role[] = {{1, "metadata", PB_MSG, 0, &m_ObjectMeta},
                                {2, "rules", PB_MSG, PB_REPEATED, &m_PolicyRule}};
static const pb_msg m_Role = {"Role", f_Role, ARRAY_SIZE(f_Role)};

static const pb_fld f_AggregationRule[] = {
    {1, "clusterRoleSelectors", PB_MSG, PB_REPEATED, &m_LabelSelector}};
static const pb_msg m_AggregationRule = {"AggregationRule", f_AggregationRule,
                                         ARRAY_SIZE(f_AggregationRule)};

static const pb_fld f_ClusterRole[] = {{1, "metadata", PB_MSG, 0, &m_ObjectMeta},
                                       {2, "rules", PB_MSG, PB_REPEATED, &m_PolicyRule},
                                       {3, "aggregationRule", PB_MSG, 0, &m_AggregationRule}};
static const pb_msg m_ClusterRole = {"ClusterRole", f_ClusterRole, ARRAY_SIZE(f_ClusterRole)};

static const pb_fld f_Subject[] = {{1, "kind", PB_STRING, 0, NULL},
                                   {2, "apiGroup", PB_STRING, 0, NULL},
                                   {3, "name", PB_STRING, 0, NULL},
                                   {4, "namespace", PB_STRING, 0, NULL}};
static const pb_msg m_Subject = {"Subject", f_Subject, ARRAY_SIZE(f_Subject)};

static const pb_fld f_RoleRef[] = {{1, "apiGroup", PB_STRING, 0, NULL},
                                   {2, "kind", PB_STRING, 0, NULL},
                                   {3, "name", PB_STRING, 0, NULL}};
static const pb_msg m_RoleRef = {"RoleRef", f_RoleRef, ARRAY_SIZE(f_RoleRef)};

/* RoleBinding and ClusterRoleBinding alike */
static const pb_fld f_RoleBinding[] = {{1, "metadata", PB_MSG, 0, &m_ObjectMeta},
                                       {2, "subjects", PB_MSG, PB_REPEATED, &m_Subject},
                                       {3, "roleRef", PB_MSG, 0, &m_RoleRef}};
static const pb_msg m_RoleBinding = {"RoleBinding", f_RoleBinding, ARRAY_SIZE(f_RoleBinding)};
static const pb_msg m_ClusterRoleBinding = {"ClusterRoleBinding", f_RoleBinding,
                                            ARRAY_SIZE(f_RoleBinding)};

/* v1 ResourceQuota: what `kubectl create quota` sends. */
static const pb_fld f_ScopedResourceSelectorRequirement[] = {
    {1, "scopeName", PB_STRING, 0, NULL},
    {2, "operator", PB_STRING, 0, NULL},
    {3, "values", PB_STRING, PB_REPEATED, NULL}};
static const pb_msg m_ScopedResourceSelectorRequirement = {
    "ScopedResourceSelectorRequirement", f_ScopedResourceSelectorRequirement,
    ARRAY_SIZE(f_ScopedResourceSelectorRequirement)};

static const pb_fld f_ScopeSelector[] = {
    {1, "matchExpressions", PB_MSG, PB_REPEATED, &m_ScopedResourceSelectorRequirement}};
static const pb_msg m_ScopeSelector = {"ScopeSelector", f_ScopeSelector,
                                       ARRAY_SIZE(f_ScopeSelector)};

static const pb_fld f_ResourceQuotaSpec[] = {{1, "hard", PB_MAP_QTY, 0, NULL},
                                             {2, "scopes", PB_STRING, PB_REPEATED, NULL},
                                             {3, "scopeSelector", PB_MSG, 0, &m_ScopeSelector}};
static const pb_msg m_ResourceQuotaSpec = {"ResourceQuotaSpec", f_ResourceQuotaSpec,
                                           ARRAY_SIZE(f_ResourceQuotaSpec)};

static const pb_fld f_ResourceQuota[] = {{1, "metadata", PB_MSG, 0, &m_ObjectMeta},
                                         {2, "spec", PB_MSG, 0, &m_ResourceQuotaSpec},
                                         {3, "status", PB_DROP, 0, NULL}};
static const pb_msg m_ResourceQuota = {"ResourceQuota", f_ResourceQuota,
                                       ARRAY_SIZE(f_ResourceQuota)};

/* scheduling/v1 PriorityClass: what `kubectl create priorityclass` sends.
 * value is a plain int32 in Go (`json:"value"`, no omitempty): a 0 is
 * kept; preemptionPolicy is a pointer, so a set "" is kept too. */
static const pb_fld f_PriorityClass[] = {
    {1, "metadata", PB_MSG, 0, &m_ObjectMeta},
    {2, "value", PB_INT, PB_KEEP_ZERO, NULL},
    {3, "globalDefault", PB_BOOL, 0, NULL},
    {4, "description", PB_STRING, 0, NULL},
    {5, "preemptionPolicy", PB_STRING, PB_KEEP_ZERO, NULL}};
static const pb_msg m_PriorityClass = {"PriorityClass", f_PriorityClass,
                                       ARRAY_SIZE(f_PriorityClass)};

/* policy/v1: what `kubectl create poddisruptionbudget` and `kubectl drain`
 * send. */
static const pb_fld f_PodDisruptionBudgetSpec[] = {
    {1, "minAvailable", PB_INTSTR, 0, NULL},
    {2, "selector", PB_MSG, 0, &m_LabelSelector},
    {3, "maxUnavailable", PB_INTSTR, 0, NULL},
    {4, "unhealthyPodEvictionPolicy", PB_STRING, 0, NULL}};
static const pb_msg m_PodDisruptionBudgetSpec = {"PodDisruptionBudgetSpec",
                                                 f_PodDisruptionBudgetSpec,
                                                 ARRAY_SIZE(f_PodDisruptionBudgetSpec)};

static const pb_fld f_PodDisruptionBudget[] = {
    {1, "metadata", PB_MSG, 0, &m_ObjectMeta},
    {2, "spec", PB_MSG, 0, &m_PodDisruptionBudgetSpec},
    {3, "status", PB_DROP, 0, NULL}};
static const pb_msg m_PodDisruptionBudget = {"PodDisruptionBudget", f_PodDisruptionBudget,
                                             ARRAY_SIZE(f_PodDisruptionBudget)};

static const pb_fld f_Eviction[] = {{1, "metadata", PB_MSG, 0, &m_ObjectMeta},
                                    {2, "deleteOptions", PB_MSG, 0, &m_DeleteOptions}};
static const pb_msg m_Eviction = {"Eviction", f_Eviction, ARRAY_SIZE(f_Eviction)};

/* authorization.k8s.io/v1 and authentication.k8s.io/v1: what `kubectl auth
 * can-i` and `kubectl auth whoami` ask (store/server/review.c). */
static const pb_fld f_SelectorRequirement[] = {{1, "key", PB_STRING, 0, NULL},
                                               {2, "operator", PB_STRING, 0, NULL},
                                               {3, "values", PB_STRING, PB_REPEATED, NULL}};
static const pb_msg m_SelectorRequirement = {"SelectorRequirement", f_SelectorRequirement,
                                             ARRAY_SIZE(f_SelectorRequirement)};

static const pb_fld f_SelectorAttributes[] = {
    {1, "rawSelector", PB_STRING, 0, NULL},
    {2, "requirements", PB_MSG, PB_REPEATED, &m_SelectorRequirement}};
static const pb_msg m_SelectorAttributes = {"SelectorAttributes", f_SelectorAttributes,
                                            ARRAY_SIZE(f_SelectorAttributes)};

static const pb_fld f_ResourceAttributes[] = {
    {1, "namespace", PB_STRING, 0, NULL},
    {2, "verb", PB_STRING, 0, NULL},
    {3, "group", PB_STRING, 0, NULL},
    {4, "version", PB_STRING, 0, NULL},
    {5, "resource", PB_STRING, 0, NULL},
    {6, "subresource", PB_STRING, 0, NULL},
    {7, "name", PB_STRING, 0, NULL},
    {8, "fieldSelector", PB_MSG, 0, &m_SelectorAttributes},
    {9, "labelSelector", PB_MSG, 0, &m_SelectorAttributes}};
static const pb_msg m_ResourceAttributes = {"ResourceAttributes", f_ResourceAttributes,
                                            ARRAY_SIZE(f_ResourceAttributes)};

static const pb_fld f_NonResourceAttributes[] = {{1, "path", PB_STRING, 0, NULL},
                                                 {2, "verb", PB_STRING, 0, NULL}};
static const pb_msg m_NonResourceAttributes = {"NonResourceAttributes", f_NonResourceAttributes,
                                               ARRAY_SIZE(f_NonResourceAttributes)};

static const pb_fld f_SelfSubjectAccessReviewSpec[] = {
    {1, "resourceAttributes", PB_MSG, 0, &m_ResourceAttributes},
    {2, "nonResourceAttributes", PB_MSG, 0, &m_NonResourceAttributes}};
static const pb_msg m_SelfSubjectAccessReviewSpec = {"SelfSubjectAccessReviewSpec",
                                                     f_SelfSubjectAccessReviewSpec,
                                                     ARRAY_SIZE(f_SelfSubjectAccessReviewSpec)};

static const pb_fld f_SelfSubjectAccessReview[] = {
    {1, "metadata", PB_MSG, 0, &m_ObjectMeta},
    {2, "spec", PB_MSG, 0, &m_SelfSubjectAccessReviewSpec},
    {3, "status", PB_DROP, 0, NULL}};
static const pb_msg m_SelfSubjectAccessReview = {"SelfSubjectAccessReview",
                                                 f_SelfSubjectAccessReview,
                                                 ARRAY_SIZE(f_SelfSubjectAccessReview)};

/* kubectl auth can-i --list */
static const pb_fld f_SelfSubjectRulesReviewSpec[] = {{1, "namespace", PB_STRING, 0, NULL}};
static const pb_msg m_SelfSubjectRulesReviewSpec = {"SelfSubjectRulesReviewSpec",
                                                    f_SelfSubjectRulesReviewSpec,
                                                    ARRAY_SIZE(f_SelfSubjectRulesReviewSpec)};
static const pb_fld f_SelfSubjectRulesReview[] = {
    {1, "metadata", PB_MSG, 0, &m_ObjectMeta},
    {2, "spec", PB_MSG, 0, &m_SelfSubjectRulesReviewSpec},
    {3, "status", PB_DROP, 0, NULL}};
static const pb_msg m_SelfSubjectRulesReview = {
    "SelfSubjectRulesReview", f_SelfSubjectRulesReview, ARRAY_SIZE(f_SelfSubjectRulesReview)};

static const pb_fld f_SelfSubjectReview[] = {{1, "metadata", PB_MSG, 0, &m_ObjectMeta},
                                             {2, "status", PB_DROP, 0, NULL}};
static const pb_msg m_SelfSubjectReview = {"SelfSubjectReview", f_SelfSubjectReview,
                                           ARRAY_SIZE(f_SelfSubjectReview)};

/* authentication.k8s.io/v1 TokenRequest: what `kubectl create token` posts to
 * a ServiceAccount's token subresource. */
static const pb_fld f_BoundObjectReference[] = {{1, "kind", PB_STRING, 0, NULL},
                                                {2, "apiVersion", PB_STRING, 0, NULL},
                                                {3, "name", PB_STRING, 0, NULL},
                                                {4, "uid", PB_STRING, 0, NULL}};
static const pb_msg m_BoundObjectReference = {"BoundObjectReference", f_BoundObjectReference,
                                              ARRAY_SIZE(f_BoundObjectReference)};

static const pb_fld f_TokenRequestSpec[] = {
    {1, "audiences", PB_STRING, PB_REPEATED, NULL},
    {3, "boundObjectRef", PB_MSG, 0, &m_BoundObjectReference},
    {4, "expirationSeconds", PB_INT, 0, NULL}};
static const pb_msg m_TokenRequestSpec = {"TokenRequestSpec", f_TokenRequestSpec,
                                          ARRAY_SIZE(f_TokenRequestSpec)};

static const pb_fld f_TokenRequestStatus[] = {{1, "token", PB_STRING, 0, NULL},
                                              {2, "expirationTimestamp", PB_TIME, 0, NULL}};
static const pb_msg m_TokenRequestStatus = {"TokenRequestStatus", f_TokenRequestStatus,
                                            ARRAY_SIZE(f_TokenRequestStatus)};

static const pb_fld f_TokenRequest[] = {{1, "metadata", PB_MSG, 0, &m_ObjectMeta},
                                        {2, "spec", PB_MSG, 0, &m_TokenRequestSpec},
                                        {3, "status", PB_MSG, 0, &m_TokenRequestStatus}};
static const pb_msg m_TokenRequest = {"TokenRequest", f_TokenRequest,
                                      ARRAY_SIZE(f_TokenRequest)};

static const struct {
    const char *api_version, *kind;
    const pb_msg *msg;
} kinds[] = {
    {"v1", "Namespace", &m_Namespace},
    {"v1", "ConfigMap", &m_ConfigMap},
    {"v1", "Secret", &m_Secret},
    {"v1", "Service", &m_Service},
    {"v1", "Pod", &m_Pod},
    {"v1", "ServiceAccount", &m_ServiceAccount},
    {"v1", "ResourceQuota", &m_ResourceQuota},
    {"apps/v1", "Deployment", &m_Deployment},
    {"apps/v1", "StatefulSet", &m_StatefulSet},
    {"apps/v1", "DaemonSet", &m_DaemonSet},
    {"batch/v1", "Job", &m_Job},
    {"batch/v1", "CronJob", &m_CronJob},
    {"networking.k8s.io/v1", "Ingress", &m_Ingress},
    {"autoscaling/v2", "HorizontalPodAutoscaler", &m_HorizontalPodAutoscaler},
    {"autoscaling/v1", "HorizontalPodAutoscaler", &m_HorizontalPodAutoscalerV1},
    {"policy/v1", "PodDisruptionBudget", &m_PodDisruptionBudget},
    {"scheduling.k8s.io/v1", "PriorityClass", &m_PriorityClass},
    {"policy/v1", "Eviction", &m_Eviction},
    {"rbac.authorization.k8s.io/v1", "Role", &m_Role},
    {"rbac.authorization.k8s.io/v1", "ClusterRole", &m_ClusterRole},
    {"rbac.authorization.k8s.io/v1", "RoleBinding", &m_RoleBinding},
    {"rbac.authorization.k8s.io/v1", "ClusterRoleBinding", &m_ClusterRoleBinding},
    {"*", "DeleteOptions", &m_DeleteOptions},
    {"authorization.k8s.io/v1", "SelfSubjectAccessReview", &m_SelfSubjectAccessReview},
    {"authorization.k8s.io/v1", "SelfSubjectRulesReview", &m_SelfSubjectRulesReview},
    {"authentication.k8s.io/v1", "SelfSubjectReview", &m_SelfSubjectReview},
    {"authentication.k8s.io/v1", "TokenRequest", &m_TokenRequest},
};

const pb_msg *pbschema_kind(const char *api_version, const char *kind)
{
    for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
        if (strcmp(kinds[i].kind, kind) == 0 &&
            (strcmp(kinds[i].api_version, "*") == 0 ||
             strcmp(kinds[i].api_version, api_version) == 0))
            return kinds[i].msg;
    return NULL;
}
