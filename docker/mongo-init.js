// One-shot set-up of the replica set, run by the `mongo-init` service of docker/compose.yaml:
//   mongosh --quiet mongodb://mongo1:27017/?directConnection=true /docker-init/mongo-init.js
// Initiates rs0 once (a second run finds it initiated and changes nothing), then waits until
// a member is PRIMARY. Exits 0 only then, so the services that depend on this one with
// `service_completed_successfully` start against a replica set that takes writes.
const MEMBERS = ["mongo1:27017", "mongo2:27017", "mongo3:27017"];
const WAIT_FOR_PRIMARY_S = 120;
const NOT_YET_INITIALIZED = 94;

function status() {
  try {
    return rs.status();
  } catch (e) {
    if (e.code === NOT_YET_INITIALIZED) return null;
    throw e;
  }
}

if (status() === null) {
  const config = { _id: "rs0", members: MEMBERS.map((host, i) => ({ _id: i, host: host })) };
  const result = rs.initiate(config);
  print(`replica set rs0 initiated: ${JSON.stringify(result)}`);
} else {
  print("replica set rs0 already initiated");
}

const deadline = Date.now() + WAIT_FOR_PRIMARY_S * 1000;
for (;;) {
  const current = status();
  const primary = current && current.members.find((m) => m.stateStr === "PRIMARY");
  if (primary) {
    print(`PRIMARY: ${primary.name}`);
    quit(0);
  }
  if (Date.now() > deadline) {
    print(`no PRIMARY after ${WAIT_FOR_PRIMARY_S} s: ${JSON.stringify(current && current.members)}`);
    quit(1);
  }
  sleep(1000);
}
