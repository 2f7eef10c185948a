package dev.ferry.api.server;

import dev.ferry.activities.catalog.AgentSecrets;
import dev.ferry.activities.catalog.Agents;
import dev.ferry.activities.catalog.Catalog;
import dev.ferry.activities.catalog.Clients;
import dev.ferry.activities.catalog.ConnectionKinds;
import dev.ferry.activities.catalog.Connections;
import dev.ferry.activities.catalog.JobRuns;
import dev.ferry.activities.catalog.Jobs;
import dev.ferry.activities.catalog.Projects;
import dev.ferry.activities.catalog.SecretBox;
import dev.ferry.activities.catalog.Tokens;
import io.temporal.client.WorkflowClient;
import org.jdbi.v3.core.Jdbi;

/**
 * What the resources work with: the catalog's stores, the connection kinds, the run launcher and
 * the progress sampler. Built once per server; everything in it is thread-safe.
 */
final class Services {
  /** Where agents find Temporal and the database (sent at registration; no password). */
  record AgentEndpoints(String temporalAddress, String temporalNamespace) {}

  final Jdbi jdbi;
  final Catalog catalog;
  final SecretBox box;
  final Clients clients;
  final Projects projects;
  final Connections connections;
  final Tokens tokens;
  final Agents agents;
  final AgentSecrets agentSecrets;
  final Jobs jobs;
  final JobRuns jobRuns;
  final dev.ferry.activities.catalog.RunShards shards;
  final ConnectionKinds kinds;
  final AgentEndpoints endpoints;
  final RunLauncher launcher;
  final ProgressSampler sampler;
  final LocalRoots roots;
  final JobRules rules;
  final JobService jobService;
  final dev.ferry.activities.catalog.Webhooks webhooks;

  Services(
      Catalog catalog,
      SecretBox box,
      ConnectionKinds kinds,
      WorkflowClient client,
      AgentEndpoints endpoints,
      LocalRoots roots) {
    this.jdbi = catalog.jdbi();
    this.catalog = catalog;
    this.box = box;
    this.clients = jdbi.onDemand(Clients.class);
    this.projects = jdbi.onDemand(Projects.class);
    this.connections = new Connections(jdbi, box);
    this.tokens = new Tokens(jdbi);
    this.agents = new Agents(jdbi, tokens, box);
    this.agentSecrets = new AgentSecrets(jdbi);
    this.jobs = new Jobs(jdbi);
    this.jobRuns = new JobRuns(jdbi);
    this.shards = new dev.ferry.activities.catalog.RunShards(jdbi);
    this.kinds = kinds;
    this.endpoints = endpoints;
    this.roots = roots;
    this.rules = new JobRules(this);
    this.jobService = new JobService(this);
    this.webhooks = new dev.ferry.activities.catalog.Webhooks(jdbi, box);
    this.launcher = new RunLauncher(this, client);
    this.sampler = new ProgressSampler(jobRuns);
  }

  /** Brings the secrets shared with agents in line with jobs, assignments and connections. */
  void syncAgentSecrets() {
    agentSecrets.sync(box);
  }
}
