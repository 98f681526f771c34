/// The OpenAPI 3 description of the API, served at `/openapi.json`; `ServerTests` checks that every route it lists
/// answers and every route the server has is listed.
enum OpenAPIDocument {
    static let json = #"""
{
  "openapi": "3.0.3",
  "info": {
    "title": "WildIR restoration server",
    "version": "1.0.0",
    "description": "Photo restoration jobs (IR-SDE / DACLIP-IR) run by `wildir serve`. When the server has a token, /v1 and /metrics need `Authorization: Bearer <token>`."
  },
  "components": {
    "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
    "parameters": {
      "JobID": { "name": "id", "in": "path", "required": true, "schema": { "type": "string", "format": "uuid" } }
    },
    "schemas": {
      "Error": {
        "type": "object", "required": ["error"],
        "properties": { "error": { "type": "object", "required": ["code", "message"],
          "properties": { "code": { "type": "string" }, "message": { "type": "string" } } } }
      },
      "Progress": {
        "type": "object",
        "properties": {
          "step": { "type": "integer" }, "steps": { "type": "integer" }, "tile": { "type": "integer" },
          "tiles": { "type": "integer" }, "fraction": { "type": "number" }, "etaSeconds": { "type": "number", "nullable": true }
        }
      },
      "DegradationScore": {
        "type": "object", "required": ["label", "similarity", "probability"],
        "description": "DA-CLIP's zero-shot score of one degradation label for the job's input: cosine similarity of the degradation embedding and the label's text embedding, and softmax(100 · similarity) over the server's labels",
        "properties": {
          "label": { "type": "string" }, "similarity": { "type": "number", "minimum": -1, "maximum": 1 },
          "probability": { "type": "number", "minimum": 0, "maximum": 1 }
        }
      },
      "Job": {
        "type": "object", "required": ["id", "state", "createdAt"],
        "properties": {
          "id": { "type": "string", "format": "uuid" },
          "state": { "type": "string", "enum": ["queued", "running", "succeeded", "failed", "cancelled"] },
          "options": { "type": "object", "properties": { "sampler": { "type": "string" }, "steps": { "type": "integer" },
                                                         "seed": { "type": "integer" } } },
          "width": { "type": "integer" }, "height": { "type": "integer" }, "fileName": { "type": "string" },
          "createdAt": { "type": "string", "format": "date-time" },
          "startedAt": { "type": "string", "format": "date-time" },
          "finishedAt": { "type": "string", "format": "date-time" },
          "message": { "type": "string" },
          "degradations": { "type": "array", "items": { "$ref": "#/components/schemas/DegradationScore" },
                            "description": "Present when the server runs with --daclip, once the input is analysed (before sampling); in the order of the model's degradationLabels" },
          "progress": { "$ref": "#/components/schemas/Progress" },
          "queuedSeconds": { "type": "number" }, "runSeconds": { "type": "number" },
          "resultURL": { "type": "string" }, "inputURL": { "type": "string" }
        }
      }
    },
    "responses": {
      "Error": { "description": "A refused request", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } }
    }
  },
  "paths": {
    "/v1/jobs": {
      "post": {
        "summary": "Submit a photo to restore",
        "security": [{ "bearer": [] }, {}],
        "requestBody": { "required": true, "content": { "multipart/form-data": { "schema": {
          "type": "object", "required": ["image"],
          "properties": {
            "image": { "type": "string", "format": "binary", "description": "PNG, JPEG or WebP (recognised from its bytes)" },
            "sampler": { "type": "string", "enum": ["posterior", "sde", "ode"] },
            "steps": { "type": "integer", "minimum": 1 },
            "seed": { "type": "integer", "minimum": 0 }
          } } } } },
        "responses": {
          "202": { "description": "Queued", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Job" } } } },
          "400": { "$ref": "#/components/responses/Error" }, "401": { "$ref": "#/components/responses/Error" },
          "413": { "$ref": "#/components/responses/Error" }, "415": { "$ref": "#/components/responses/Error" },
          "422": { "$ref": "#/components/responses/Error" },
          "429": { "description": "Queue full; see Retry-After", "headers": { "Retry-After": { "schema": { "type": "integer" } } },
                   "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } }
        }
      },
      "get": {
        "summary": "The last jobs, newest first",
        "security": [{ "bearer": [] }, {}],
        "parameters": [{ "name": "limit", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 100 } }],
        "responses": { "200": { "description": "Jobs", "content": { "application/json": { "schema": {
          "type": "object", "properties": { "jobs": { "type": "array", "items": { "$ref": "#/components/schemas/Job" } } } } } } } }
      }
    },
    "/v1/jobs/{id}": {
      "parameters": [{ "$ref": "#/components/parameters/JobID" }],
      "get": {
        "summary": "A job's state, progress and timings",
        "security": [{ "bearer": [] }, {}],
        "responses": { "200": { "description": "The job", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Job" } } } },
                       "404": { "$ref": "#/components/responses/Error" } }
      },
      "delete": {
        "summary": "Cancel a queued or running job (a running one stops within a sampling step)",
        "security": [{ "bearer": [] }, {}],
        "responses": { "200": { "description": "The job", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Job" } } } },
                       "404": { "$ref": "#/components/responses/Error" }, "409": { "$ref": "#/components/responses/Error" } }
      }
    },
    "/v1/jobs/{id}/result": {
      "parameters": [{ "$ref": "#/components/parameters/JobID" }],
      "get": {
        "summary": "The restored image",
        "security": [{ "bearer": [] }, {}],
        "responses": { "200": { "description": "PNG", "content": { "image/png": { "schema": { "type": "string", "format": "binary" } } } },
                       "404": { "$ref": "#/components/responses/Error" }, "409": { "$ref": "#/components/responses/Error" } }
      }
    },
    "/v1/jobs/{id}/input": {
      "parameters": [{ "$ref": "#/components/parameters/JobID" }],
      "get": {
        "summary": "The uploaded image, as sent",
        "security": [{ "bearer": [] }, {}],
        "responses": { "200": { "description": "The upload", "content": { "image/*": { "schema": { "type": "string", "format": "binary" } } } },
                       "404": { "$ref": "#/components/responses/Error" } }
      }
    },
    "/v1/jobs/{id}/events": {
      "parameters": [{ "$ref": "#/components/parameters/JobID" }],
      "get": {
        "summary": "Live status as server-sent events (event `status`, data a Job) until the job ends",
        "security": [{ "bearer": [] }, {}],
        "responses": { "200": { "description": "Event stream", "content": { "text/event-stream": { "schema": { "type": "string" } } } },
                       "404": { "$ref": "#/components/responses/Error" } }
      }
    },
    "/v1/models": {
      "get": {
        "summary": "The loaded model",
        "security": [{ "bearer": [] }, {}],
        "responses": { "200": { "description": "Models", "content": { "application/json": { "schema": {
          "type": "object", "properties": { "models": { "type": "array", "items": { "type": "object", "properties": {
            "name": { "type": "string" }, "trainingSteps": { "type": "integer" }, "defaultSteps": { "type": "integer" },
            "defaultSampler": { "type": "string" }, "samplers": { "type": "array", "items": { "type": "string" } },
            "daclip": { "type": "boolean", "description": "the network is conditioned on DA-CLIP" },
            "degradationLabels": { "type": "array", "items": { "type": "string" },
                                   "description": "the labels every upload is scored against (--daclip); absent without an analysis" } } } } } } } } } }
      }
    },
    "/healthz": {
      "get": { "summary": "Liveness and queue size", "responses": { "200": { "description": "OK",
        "content": { "application/json": { "schema": { "type": "object" } } } } } }
    },
    "/metrics": {
      "get": { "summary": "Prometheus metrics", "security": [{ "bearer": [] }, {}],
        "responses": { "200": { "description": "Text exposition format", "content": { "text/plain": { "schema": { "type": "string" } } } } } }
    },
    "/openapi.json": {
      "get": { "summary": "This document", "responses": { "200": { "description": "OpenAPI 3",
        "content": { "application/json": { "schema": { "type": "object" } } } } } }
    },
    "/": {
      "get": { "summary": "The web page", "responses": { "200": { "description": "HTML", "content": { "text/html": { "schema": { "type": "string" } } } } } }
    }
  }
}
"""#
}
