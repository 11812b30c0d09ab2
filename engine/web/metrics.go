package web

import "net/http"

// metricsHandler serves the game's figures as Prometheus text. The engine
// builds the handler (engine.Server.PrometheusHandler), so the site's
// /metrics and the debug listener's (-pprof) serve the same figures.
func (s *Server) metricsHandler() http.Handler { return s.eng.PrometheusHandler() }
