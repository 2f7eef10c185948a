package dev.ferry.api.server;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Handler;

/**
 * Every route of the API, in one place, grouped by resource. Handlers are methods of small resource
 * classes; every route is authenticated (see {@link Auth}) and documented in {@code openapi.json} —
 * {@code ApiOpenApiTest} keeps the two in step. A known path asked with another method answers 405
 * with an {@code Allow} header (see {@link Errors}).
 */
final class Routes {
  static final String BASE = "/api/v1";
  static final String REGISTER = BASE + "/agents/register";

  private Routes() {}

  static void declare(RoutesConfig r, Services s, Auth auth, OpenApiResource openApi) {
    r.before(BASE + "/*", auth::authenticate);

    get(r, BASE + "/openapi.json", openApi::get);

    ClientsResource clients = new ClientsResource(s);
    get(r, BASE + "/clients", clients::list);
    r.post(BASE + "/clients", clients::create);
    get(r, BASE + "/clients/{clientId}", clients::get);
    r.patch(BASE + "/clients/{clientId}", clients::update);

    ProjectsResource projects = new ProjectsResource(s);
    get(r, BASE + "/clients/{clientId}/projects", projects::list);
    r.post(BASE + "/clients/{clientId}/projects", projects::create);
    get(r, BASE + "/projects/{projectId}", projects::get);
    r.patch(BASE + "/projects/{projectId}", projects::update);

    ConnectionsResource connections = new ConnectionsResource(s);
    get(r, BASE + "/clients/{clientId}/connections", connections::list);
    r.post(BASE + "/clients/{clientId}/connections", connections::create);
    get(r, BASE + "/connections/{connectionId}", connections::get);
    r.patch(BASE + "/connections/{connectionId}", connections::update);
    r.delete(BASE + "/connections/{connectionId}", connections::delete);

    JobsResource jobs = new JobsResource(s);
    RunsResource runs = new RunsResource(s);
    get(r, BASE + "/jobs", jobs::list);
    r.post(BASE + "/projects/{projectId}/jobs", jobs::create);
    get(r, BASE + "/jobs/{jobId}", jobs::get);
    r.patch(BASE + "/jobs/{jobId}", jobs::update);
    r.delete(BASE + "/jobs/{jobId}", jobs::delete);
    get(r, BASE + "/jobs/{jobId}/owners", jobs::owners);
    r.put(BASE + "/jobs/{jobId}/owners", jobs::replaceOwners);
    r.post(BASE + "/jobs/{jobId}/runs", jobs::startRun);
    get(r, BASE + "/jobs/{jobId}/runs", jobs::runs);
    r.post(BASE + "/jobs/{jobId}/pause", jobs::pause);
    r.post(BASE + "/jobs/{jobId}/resume", jobs::resume);
    r.post(BASE + "/jobs/{jobId}/cancel", jobs::cancel);
    get(r, BASE + "/jobs/{jobId}/runs/{runId}", jobs::run);
    get(r, BASE + "/jobs/{jobId}/runs/{runId}/log", runs::log);
    get(r, BASE + "/jobs/{jobId}/runs/{runId}/report", runs::report);
    get(r, BASE + "/jobs/{jobId}/runs/{runId}/report.csv", runs::reportCsv);

    AgentsResource agents = new AgentsResource(s);
    r.post(BASE + "/agents/registration-codes", agents::createCode);
    r.post(REGISTER, agents::register);
    get(r, BASE + "/agents", agents::list);
    get(r, BASE + "/agents/{agentId}", agents::get);
    r.post(BASE + "/agents/{agentId}/heartbeat", agents::heartbeat);

    TokensResource tokens = new TokensResource(s);
    get(r, BASE + "/tokens", tokens::list);
    r.post(BASE + "/tokens", tokens::create);
    r.delete(BASE + "/tokens/{tokenId}", tokens::revoke);

    Errors.register(r);
  }

  /**
   * A GET route and its HEAD twin: HEAD runs the same handler (same status and headers; Jetty sends
   * no body), so a HEAD of a missing resource is a 404 like its GET.
   */
  private static void get(RoutesConfig r, String path, Handler h) {
    r.get(path, h);
    r.head(path, h);
  }
}
