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

  /** The agents' data plane ({@link DataPlaneResource}): an agent's own token only. */
  static final String AGENT = BASE + "/agent";

  private Routes() {}

  static void declare(RoutesConfig r, Services s, Auth auth, OpenApiResource openApi) {
    RouteTable table = new RouteTable();
    r.before(BASE + "/*", auth::authenticate);
    r.before(BASE + "/*", table::check);
    Declare d = new Declare(r, table);

    d.get(BASE + "/openapi.json", openApi::get);

    ClientsResource clients = new ClientsResource(s);
    d.get(BASE + "/clients", clients::list);
    d.post(BASE + "/clients", clients::create);
    d.get(BASE + "/clients/{clientId}", clients::get);
    d.patch(BASE + "/clients/{clientId}", clients::update);

    ProjectsResource projects = new ProjectsResource(s);
    d.get(BASE + "/clients/{clientId}/projects", projects::list);
    d.post(BASE + "/clients/{clientId}/projects", projects::create);
    d.get(BASE + "/projects/{projectId}", projects::get);
    d.patch(BASE + "/projects/{projectId}", projects::update);

    ConnectionsResource connections = new ConnectionsResource(s);
    d.get(BASE + "/clients/{clientId}/connections", connections::list);
    d.post(BASE + "/clients/{clientId}/connections", connections::create);
    d.get(BASE + "/connections/{connectionId}", connections::get);
    d.patch(BASE + "/connections/{connectionId}", connections::update);
    d.delete(BASE + "/connections/{connectionId}", connections::delete);

    JobsResource jobs = new JobsResource(s);
    RunsResource runs = new RunsResource(s);
    d.get(BASE + "/jobs", jobs::list);
    d.post(BASE + "/projects/{projectId}/jobs", jobs::create);
    d.get(BASE + "/jobs/{jobId}", jobs::get);
    d.patch(BASE + "/jobs/{jobId}", jobs::update);
    d.delete(BASE + "/jobs/{jobId}", jobs::delete);
    d.get(BASE + "/jobs/{jobId}/owners", jobs::owners);
    d.put(BASE + "/jobs/{jobId}/owners", jobs::replaceOwners);
    d.post(BASE + "/jobs/{jobId}/runs", jobs::startRun);
    d.get(BASE + "/jobs/{jobId}/runs", jobs::runs);
    d.post(BASE + "/jobs/{jobId}/pause", jobs::pause);
    d.post(BASE + "/jobs/{jobId}/resume", jobs::resume);
    d.post(BASE + "/jobs/{jobId}/cancel", jobs::cancel);
    d.get(BASE + "/jobs/{jobId}/runs/{runId}", jobs::run);
    d.post(BASE + "/jobs/{jobId}/runs/{runId}/limits", runs::setLimits);
    d.get(BASE + "/jobs/{jobId}/runs/{runId}/log", runs::log);
    d.get(BASE + "/jobs/{jobId}/runs/{runId}/report", runs::report);
    d.get(BASE + "/jobs/{jobId}/runs/{runId}/report.csv", runs::reportCsv);

    CutoverResource cutover = new CutoverResource(s);
    d.post(BASE + "/jobs/{jobId}/cutover", cutover::start);
    d.get(BASE + "/jobs/{jobId}/cutover", cutover::get);
    d.get(BASE + "/jobs/{jobId}/cutover/differences", cutover::differences);
    d.get(BASE + "/jobs/{jobId}/cutover/differences.csv", cutover::differencesCsv);
    d.get(BASE + "/jobs/{jobId}/cutover/verified.csv", cutover::verifiedCsv);
    d.post(BASE + "/jobs/{jobId}/cutover/{step}", cutover::step);

    TransitsResource transits = new TransitsResource(s);
    d.get(BASE + "/transits", transits::list);
    d.post(BASE + "/transits", transits::create);
    d.get(BASE + "/transits/{transitId}", transits::get);
    d.post(BASE + "/transits/{transitId}/{step}", transits::step);

    WebhooksResource webhooks = new WebhooksResource(s);
    d.get(BASE + "/clients/{clientId}/webhooks", webhooks::list);
    d.post(BASE + "/clients/{clientId}/webhooks", webhooks::create);
    d.get(BASE + "/webhooks/{webhookId}", webhooks::get);
    d.delete(BASE + "/webhooks/{webhookId}", webhooks::delete);
    d.get(BASE + "/webhooks/{webhookId}/deliveries", webhooks::deliveries);

    AgentsResource agents = new AgentsResource(s);
    d.post(BASE + "/agents/registration-codes", agents::createCode);
    d.post(REGISTER, agents::register);
    d.get(BASE + "/agents", agents::list);
    d.get(BASE + "/agents/{agentId}", agents::get);
    d.post(BASE + "/agents/{agentId}/revoke", agents::revoke);
    d.post(BASE + "/agents/{agentId}/heartbeat", agents::heartbeat);

    DataPlaneResource data = new DataPlaneResource(s);
    d.get(AGENT + "/runs/{runId}", data::getRun);
    d.post(AGENT + "/runs/{runId}/listing", data::listing);
    d.get(AGENT + "/runs/{runId}/pending", data::pending);
    d.post(AGENT + "/runs/{runId}/outcomes", data::outcomes);
    d.put(AGENT + "/runs/{runId}/inflight/{batchFrom}", data::inFlight);
    d.post(AGENT + "/runs/{runId}/events", data::event);
    d.post(AGENT + "/runs/{runId}/retry-note", data::noteRetry);
    d.delete(AGENT + "/runs/{runId}/retry-note", data::clearRetryNote);
    d.get(AGENT + "/runs/{runId}/folders", data::folders);
    d.post(AGENT + "/runs/{runId}/finish", data::finish);
    d.get(AGENT + "/jobs/{jobId}", data::getJob);
    d.get(AGENT + "/jobs/{jobId}/upload", data::getUpload);
    d.put(AGENT + "/jobs/{jobId}/upload", data::putUpload);
    d.delete(AGENT + "/jobs/{jobId}/upload", data::deleteUpload);
    d.get(AGENT + "/connections/{connectionId}", data::connection);

    TokensResource tokens = new TokensResource(s);
    d.get(BASE + "/tokens", tokens::list);
    d.post(BASE + "/tokens", tokens::create);
    d.delete(BASE + "/tokens/{tokenId}", tokens::revoke);

    Errors.register(r);
  }

  /** Declares each route with Javalin and in the {@link RouteTable} that answers 405s. */
  private record Declare(RoutesConfig r, RouteTable table) {
    /**
     * A GET route and its HEAD twin: HEAD runs the same handler (same status and headers; Jetty
     * sends no body), so a HEAD of a missing resource is a 404 like its GET.
     */
    void get(String path, Handler h) {
      r.get(path, h);
      r.head(path, h);
      table.add("GET", path);
      table.add("HEAD", path);
    }

    void post(String path, Handler h) {
      r.post(path, h);
      table.add("POST", path);
    }

    void put(String path, Handler h) {
      r.put(path, h);
      table.add("PUT", path);
    }

    void patch(String path, Handler h) {
      r.patch(path, h);
      table.add("PATCH", path);
    }

    void delete(String path, Handler h) {
      r.delete(path, h);
      table.add("DELETE", path);
    }
  }
}
