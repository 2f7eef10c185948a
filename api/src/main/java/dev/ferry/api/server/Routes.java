package dev.ferry.api.server;

import io.javalin.config.RoutesConfig;

/**
 * Every route of the API, in one place, grouped by resource. Handlers are methods of small resource
 * classes; every route is authenticated (see {@link Auth}) and documented in {@code openapi.json} —
 * {@code OpenApiMatchesRoutesTest} keeps the two in step.
 */
final class Routes {
  static final String BASE = "/api/v1";
  static final String REGISTER = BASE + "/agents/register";

  private Routes() {}

  static void declare(RoutesConfig r, Services s, Auth auth, OpenApiResource openApi) {
    r.before(BASE + "/*", auth::authenticate);

    r.get(BASE + "/openapi.json", openApi::get);

    ClientsResource clients = new ClientsResource(s);
    r.get(BASE + "/clients", clients::list);
    r.post(BASE + "/clients", clients::create);
    r.get(BASE + "/clients/{clientId}", clients::get);
    r.patch(BASE + "/clients/{clientId}", clients::update);

    ProjectsResource projects = new ProjectsResource(s);
    r.get(BASE + "/clients/{clientId}/projects", projects::list);
    r.post(BASE + "/clients/{clientId}/projects", projects::create);
    r.get(BASE + "/projects/{projectId}", projects::get);
    r.patch(BASE + "/projects/{projectId}", projects::update);

    ConnectionsResource connections = new ConnectionsResource(s);
    r.get(BASE + "/clients/{clientId}/connections", connections::list);
    r.post(BASE + "/clients/{clientId}/connections", connections::create);
    r.get(BASE + "/connections/{connectionId}", connections::get);
    r.patch(BASE + "/connections/{connectionId}", connections::update);
    r.delete(BASE + "/connections/{connectionId}", connections::delete);

    JobsResource jobs = new JobsResource(s);
    RunsResource runs = new RunsResource(s);
    r.get(BASE + "/jobs", jobs::list);
    r.post(BASE + "/projects/{projectId}/jobs", jobs::create);
    r.get(BASE + "/jobs/{jobId}", jobs::get);
    r.patch(BASE + "/jobs/{jobId}", jobs::update);
    r.delete(BASE + "/jobs/{jobId}", jobs::delete);
    r.get(BASE + "/jobs/{jobId}/owners", jobs::owners);
    r.put(BASE + "/jobs/{jobId}/owners", jobs::replaceOwners);
    r.post(BASE + "/jobs/{jobId}/runs", jobs::startRun);
    r.get(BASE + "/jobs/{jobId}/runs", jobs::runs);
    r.post(BASE + "/jobs/{jobId}/pause", jobs::pause);
    r.post(BASE + "/jobs/{jobId}/resume", jobs::resume);
    r.post(BASE + "/jobs/{jobId}/cancel", jobs::cancel);
    r.get(BASE + "/jobs/{jobId}/runs/{runId}", jobs::run);
    r.get(BASE + "/jobs/{jobId}/runs/{runId}/log", runs::log);
    r.get(BASE + "/jobs/{jobId}/runs/{runId}/report", runs::report);
    r.get(BASE + "/jobs/{jobId}/runs/{runId}/report.csv", runs::reportCsv);

    AgentsResource agents = new AgentsResource(s);
    r.post(BASE + "/agents/registration-codes", agents::createCode);
    r.post(REGISTER, agents::register);
    r.get(BASE + "/agents", agents::list);
    r.get(BASE + "/agents/{agentId}", agents::get);
    r.post(BASE + "/agents/{agentId}/heartbeat", agents::heartbeat);

    TokensResource tokens = new TokensResource(s);
    r.get(BASE + "/tokens", tokens::list);
    r.post(BASE + "/tokens", tokens::create);
    r.delete(BASE + "/tokens/{tokenId}", tokens::revoke);

    Errors.register(r);
  }
}
