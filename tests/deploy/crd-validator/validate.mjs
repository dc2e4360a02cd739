// Reads a JSON array of Kubernetes objects on stdin; validates every Strimzi and CloudNativePG
// custom resource with the CRD-generated validators of @kubernetes-models; prints a JSON report
// {"validated": [...], "errors": [...]} and exits 1 when any resource is invalid or unknown.
import { readFileSync } from "node:fs";

const PACKAGES = {
  "kafka.strimzi.io": "@kubernetes-models/strimzi-kafka-operator",
  "postgresql.cnpg.io": "@kubernetes-models/cloudnative-pg",
};

const objects = JSON.parse(readFileSync(0, "utf8"));
const report = { validated: [], errors: [] };
for (const object of objects) {
  const [group, version] = object.apiVersion.split("/");
  const pkg = PACKAGES[group];
  if (!pkg) continue;
  const id = `${object.kind}/${object.metadata?.name}`;
  let Model;
  try {
    Model = (await import(`${pkg}/${group}/${version}/${object.kind}`))[object.kind];
  } catch (error) {
    report.errors.push({ object: id, error: `no schema for ${object.apiVersion} ${object.kind}: ${error.message}` });
    continue;
  }
  try {
    new Model(object).validate();
    report.validated.push(id);
  } catch (error) {
    report.errors.push({ object: id, error: error.message });
  }
}
console.log(JSON.stringify(report));
process.exit(report.errors.length ? 1 : 0);
