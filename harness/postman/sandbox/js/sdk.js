/*
 * The parts of the postman-collection SDK that scripts touch, written for this project:
 * PropertyList (headers, query params), Url, Request, Response and VariableScope with
 * `{{variable}}` substitution. Objects are built from, and serialised back to, Postman v2.1 JSON,
 * which is what the Python side sends in and reads back after each script.
 */
var __pmSdk = (function () {
  'use strict';

  var VARIABLE = /\{\{([^{}]*?)\}\}/g;
  var MAX_PASSES = 19;

  function isObject(v) { return v !== null && typeof v === 'object'; }

  function substitutionText(value) {
    if (value === null || value === undefined) { return ''; }
    if (typeof value === 'string') { return value; }
    return String(value);
  }

  // ------------------------------------------------------------------ PropertyList
  class PropertyList {
    constructor(entries, options) {
      options = options || {};
      this._caseInsensitive = Boolean(options.caseInsensitive);
      this._members = [];
      var self = this;
      (entries || []).forEach(function (entry) { self.add(entry); });
    }
    _norm(key) { key = key === undefined || key === null ? '' : String(key); return this._caseInsensitive ? key.toLowerCase() : key; }
    _coerce(item) {
      if (typeof item === 'string') {
        var at = item.indexOf(this._caseInsensitive ? ':' : '=');
        return at < 0 ? { key: item, value: '' } : { key: item.slice(0, at).trim(), value: item.slice(at + 1).trim() };
      }
      var copy = {};
      for (var k in item) { copy[k] = item[k]; }
      if (copy.key === undefined && copy.name !== undefined) { copy.key = copy.name; }
      return copy;
    }
    add(item) { if (item !== undefined && item !== null) { this._members.push(this._coerce(item)); } }
    append(item) { this.add(item); }
    prepend(item) { if (item) { this._members.unshift(this._coerce(item)); } }
    upsert(item) {
      if (!item) { return; }
      item = this._coerce(item);
      var existing = this.one(item.key);
      if (existing) {
        for (var k in item) { existing[k] = item[k]; }
        return false;
      }
      this.add(item);
      return true;
    }
    remove(predicate, context) {
      var self = this;
      var test;
      if (typeof predicate === 'function') { test = predicate.bind(context); }
      else if (isObject(predicate)) { test = function (m) { return m === predicate || self._norm(m.key) === self._norm(predicate.key); }; }
      else { var key = self._norm(predicate); test = function (m) { return self._norm(m.key) === key; }; }
      this._members = this._members.filter(function (m) { return !test(m); });
    }
    clear() { this._members = []; }
    one(key) {
      var wanted = this._norm(key);
      for (var i = 0; i < this._members.length; i++) {
        if (this._norm(this._members[i].key) === wanted) { return this._members[i]; }
      }
      return undefined;
    }
    get(key) { var m = this.one(key); return m ? m.value : undefined; }
    has(key, value) {
      var wanted = this._norm(key);
      var checkValue = arguments.length > 1;
      return this._members.some(function (m) {
        return this._norm(m.key) === wanted && (!checkValue || m.value === value);
      }, this);
    }
    all() { return this._members.slice(); }
    count() { return this._members.length; }
    idx(index) { return this._members[index]; }
    indexOf(item) { return this._members.indexOf(typeof item === 'string' ? this.one(item) : item); }
    each(fn, context) { this._members.forEach(fn, context); }
    map(fn, context) { return this._members.map(fn, context); }
    filter(fn, context) { return this._members.filter(fn, context); }
    find(fn, context) { return this._members.find(fn, context); }
    reduce(fn, acc) { return this._members.reduce(fn, acc); }
    populate(items) { var self = this; (items || []).forEach(function (i) { self.add(i); }); }
    repopulate(items) { this.clear(); this.populate(items); }
    toObject(excludeDisabled, caseSensitive, multiValue) {
      var obj = {};
      var self = this;
      this._members.forEach(function (m) {
        if (excludeDisabled && m.disabled) { return; }
        var key = caseSensitive || !self._caseInsensitive ? m.key : String(m.key).toLowerCase();
        if (multiValue && Object.prototype.hasOwnProperty.call(obj, key)) {
          obj[key] = [].concat(obj[key], m.value);
        } else {
          obj[key] = m.value;
        }
      });
      return obj;
    }
    toJSON() { return this._members.map(function (m) { var c = {}; for (var k in m) { c[k] = m[k]; } return c; }); }
    toString() {
      if (this._caseInsensitive) {
        return this._members.filter(function (m) { return !m.disabled; })
          .map(function (m) { return m.key + ': ' + m.value; }).join('\n');
      }
      return queryString(this._members);
    }
    get length() { return this._members.length; }
  }

  // ------------------------------------------------------------------ Url
  function splitOutsideBraces(text, sep) {
    var parts = [], depth = 0, current = '';
    for (var i = 0; i < text.length; i++) {
      if (text.substr(i, 2) === '{{') { depth++; current += '{{'; i++; continue; }
      if (text.substr(i, 2) === '}}' && depth) { depth--; current += '}}'; i++; continue; }
      if (text[i] === sep && !depth) { parts.push(current); current = ''; } else { current += text[i]; }
    }
    parts.push(current);
    return parts;
  }
  function findOutsideBraces(text, ch) {
    var depth = 0;
    for (var i = 0; i < text.length; i++) {
      if (text.substr(i, 2) === '{{') { depth++; i++; continue; }
      if (text.substr(i, 2) === '}}' && depth) { depth--; i++; continue; }
      if (text[i] === ch && !depth) { return i; }
    }
    return -1;
  }
  function parseQuery(text) {
    if (!text) { return []; }
    return text.split('&').map(function (chunk) {
      var at = chunk.indexOf('=');
      return at < 0 ? { key: chunk, value: null } : { key: chunk.slice(0, at), value: chunk.slice(at + 1) };
    });
  }
  function queryString(params) {
    return params.filter(function (p) { return !p.disabled; }).map(function (p) {
      var key = p.key === undefined || p.key === null ? '' : p.key;
      return p.value === null || p.value === undefined ? String(key) : key + '=' + p.value;
    }).join('&');
  }

  function parseUrl(raw) {
    var text = String(raw || '').replace(/^\s+/, '');
    var url = { raw: String(raw || '') };
    var at = findOutsideBraces(text, '#');
    if (at >= 0) { url.hash = text.slice(at + 1); text = text.slice(0, at); }
    at = findOutsideBraces(text, '?');
    if (at >= 0) { url.query = parseQuery(text.slice(at + 1)); text = text.slice(0, at); }
    var m = /^([A-Za-z][A-Za-z0-9+.-]*|\{\{[^{}]*\}\}):\/\//.exec(text);
    if (m) { url.protocol = m[1]; text = text.slice(m[0].length); }
    var slash = findOutsideBraces(text, '/');
    var hostPart = slash < 0 ? text : text.slice(0, slash);
    var pathPart = slash < 0 ? null : text.slice(slash + 1);
    var userAt = hostPart.lastIndexOf('@');
    if (userAt >= 0 && hostPart.slice(0, userAt).indexOf('{{') < 0) {
      var creds = hostPart.slice(0, userAt).split(':');
      url.auth = { user: creds[0], password: creds.slice(1).join(':') };
      hostPart = hostPart.slice(userAt + 1);
    }
    var pm_ = /:(\d+|\{\{[^{}]*\}\})$/.exec(hostPart);
    if (pm_) { url.port = pm_[1]; hostPart = hostPart.slice(0, pm_.index); }
    if (hostPart) { url.host = splitOutsideBraces(hostPart, '.'); }
    if (pathPart !== null) { url.path = splitOutsideBraces(pathPart, '/'); }
    return url;
  }

  class Url {
    constructor(options) { this.update(options); }
    update(options) {
      if (typeof options === 'string') { options = parseUrl(options); }
      options = options || {};
      if (options.host === undefined && options.path === undefined && options.raw) {
        var parsed = parseUrl(options.raw);
        if (options.query) { parsed.query = options.query; }
        if (options.variable) { parsed.variable = options.variable; }
        options = parsed;
      }
      this.protocol = options.protocol;
      this.auth = options.auth;
      this.host = typeof options.host === 'string' ? splitOutsideBraces(options.host, '.') : (options.host ? options.host.slice() : undefined);
      this.port = options.port;
      this.path = typeof options.path === 'string' ? splitOutsideBraces(options.path.replace(/^\//, ''), '/')
        : (options.path ? options.path.map(function (p) { return isObject(p) ? String(p.value) : p; }) : undefined);
      this.hash = options.hash;
      this.query = new PropertyList(options.query || []);
      this.variables = new PropertyList(options.variable || []);
    }
    getHost() { return this.host ? this.host.join('.') : ''; }
    getPath(unresolved) {
      if (!this.path) { return '/'; }
      var vars = this.variables;
      return '/' + this.path.map(function (seg) {
        if (!unresolved && typeof seg === 'string' && seg.charAt(0) === ':' && vars.has(seg.slice(1))) {
          var v = vars.get(seg.slice(1));
          return v === null || v === undefined ? '' : v;
        }
        return seg;
      }).join('/');
    }
    getQueryString() { return queryString(this.query.all()); }
    getPathWithQuery() { var q = this.getQueryString(); return this.getPath() + (q ? '?' + q : ''); }
    getRemote(forcePort) {
      var port = this.port || (forcePort ? (this.protocol === 'http' ? 80 : 443) : undefined);
      return this.getHost() + (port ? ':' + port : '');
    }
    getRaw() { return this.toString(); }
    addQueryParams(params) {
      if (typeof params === 'string') { params = parseQuery(params); }
      var self = this;
      (Array.isArray(params) ? params : [params]).forEach(function (p) { self.query.add(p); });
    }
    removeQueryParams(params) {
      var self = this;
      (Array.isArray(params) ? params : [params]).forEach(function (p) { self.query.remove(isObject(p) ? p.key : p); });
    }
    toString(forceProtocol) {
      var out = '';
      var protocol = this.protocol || (forceProtocol ? 'http' : '');
      if (protocol) { out += /:\/\/$/.test(protocol) ? protocol : protocol + '://'; }
      if (this.auth && (this.auth.user || this.auth.password)) { out += (this.auth.user || '') + ':' + (this.auth.password || '') + '@'; }
      out += this.getHost();
      if (this.port) { out += ':' + this.port; }
      if (this.path && this.path.length) { out += this.getPath(); }
      var q = this.getQueryString();
      if (q) { out += '?' + q; }
      if (this.hash) { out += '#' + this.hash; }
      return out;
    }
    toJSON() {
      var json = { raw: this.toString() };
      if (this.protocol) { json.protocol = this.protocol; }
      if (this.auth) { json.auth = this.auth; }
      if (this.host) { json.host = this.host.slice(); }
      if (this.port) { json.port = String(this.port); }
      if (this.path) { json.path = this.path.slice(); }
      if (this.hash) { json.hash = this.hash; }
      json.query = this.query.toJSON();
      json.variable = this.variables.toJSON();
      return json;
    }
    static parse(raw) { return parseUrl(raw); }
  }

  // ------------------------------------------------------------------ Request / Response
  class RequestBody {
    constructor(json) {
      json = json || {};
      this.mode = json.mode;
      this.raw = json.raw;
      this.urlencoded = new PropertyList(json.urlencoded || []);
      this.formdata = new PropertyList(json.formdata || []);
      this.graphql = json.graphql;
      this.file = json.file;
      this.options = json.options;
      this.disabled = json.disabled;
    }
    isEmpty() {
      if (!this.mode || this.disabled) { return true; }
      if (this.mode === 'raw') { return !this.raw; }
      if (this.mode === 'urlencoded') { return this.urlencoded.count() === 0; }
      if (this.mode === 'formdata') { return this.formdata.count() === 0; }
      if (this.mode === 'graphql') { return !this.graphql; }
      return !this.file;
    }
    update(json) { Object.assign(this, new RequestBody(json)); }
    toString() { return this.mode === 'raw' ? String(this.raw || '') : ''; }
    toJSON() {
      if (!this.mode) { return null; }
      var json = { mode: this.mode };
      if (this.disabled) { json.disabled = true; }
      if (this.options) { json.options = this.options; }
      if (this.mode === 'raw') { json.raw = this.raw === undefined || this.raw === null ? '' : String(this.raw); }
      if (this.mode === 'urlencoded') { json.urlencoded = this.urlencoded.toJSON(); }
      if (this.mode === 'formdata') { json.formdata = this.formdata.toJSON(); }
      if (this.mode === 'graphql') { json.graphql = this.graphql; }
      if (this.mode === 'file') { json.file = this.file; }
      return json;
    }
  }

  class Request {
    constructor(json) {
      if (typeof json === 'string') { json = { url: json }; }
      json = json || {};
      this.id = json.id;
      this.name = json.name;
      this.description = json.description;
      this.method = String(json.method || 'GET').toUpperCase();
      this.url = new Url(json.url || '');
      var header = json.header || json.headers || [];
      if (!Array.isArray(header) && isObject(header)) {
        header = Object.keys(header).map(function (k) { return { key: k, value: header[k] }; });
      }
      this.headers = new PropertyList(header, { caseInsensitive: true });
      this.body = json.body ? new RequestBody(json.body) : undefined;
      this.auth = json.auth;
      this.certificate = json.certificate;
      this.proxy = json.proxy;
    }
    getHeaders(options) {
      options = options || {};
      return this.headers.toObject(!options.enabled ? false : true, true, true);
    }
    addHeader(header) { this.headers.add(header); }
    upsertHeader(header) { this.headers.upsert(header); }
    removeHeader(toRemove) { this.headers.remove(toRemove); }
    addQueryParams(params) { this.url.addQueryParams(params); }
    removeQueryParams(params) { this.url.removeQueryParams(params); }
    clone() { return new Request(this.toJSON()); }
    toJSON() {
      var url = this.url;
      if (typeof url === 'string') { url = new Url(url); }
      return {
        method: String(this.method || 'GET').toUpperCase(),
        url: url.toJSON(),
        header: this.headers.toJSON(),
        body: this.body && typeof this.body.toJSON === 'function' ? this.body.toJSON()
          : (this.body ? this.body : null),
        description: this.description === undefined ? null : this.description
      };
    }
  }

  class JSONError extends Error {
    constructor(message) { super(message); this.name = 'JSONError'; }
  }

  function parseJsonText(text) {
    text = text === undefined || text === null ? '' : String(text);
    if (text.charCodeAt(0) === 0xFEFF) { text = text.slice(1); }
    if (!text.trim()) { throw new JSONError('No data, empty input at 1:1'); }
    try { return JSON.parse(text); } catch (err) {
      var m = /position (\d+)/.exec(err.message);
      var pos = m ? parseInt(m[1], 10) : 0;
      var before = text.slice(0, pos);
      var line = before.split('\n').length;
      var col = pos - before.lastIndexOf('\n');
      var token = text.charAt(pos);
      throw new JSONError(token ? "Unexpected token '" + token + "' at " + line + ':' + col
        : 'Unexpected end of JSON input at ' + line + ':' + col);
    }
  }

  class Response {
    /** The response of a request that got none (refused, timed out): no code, status or body. */
    static empty() {
      var response = Object.create(Response.prototype);
      response.id = __pmLibs.load('uuid').v4(); // postman-collection gives every Response an id
      response._details = {};
      response.headers = new PropertyList([], { caseInsensitive: true });
      response.cookies = new PropertyList([]);
      return response;
    }
    constructor(json) {
      json = json || {};
      this.id = json.id;
      this.code = json.code;
      this.status = json.status;
      this.headers = new PropertyList(json.header || [], { caseInsensitive: true });
      this._text = json.body === undefined || json.body === null ? '' : String(json.body);
      this.responseTime = json.responseTime;
      this.responseSize = json.responseSize;
      this.cookies = new PropertyList(json.cookie || []);
      this.stream = undefined;
    }
    text() { return this._text; }
    json(reviver) {
      if (this._text === undefined) { throw new JSONError('"undefined" is not valid JSON'); }
      var parsed = parseJsonText(this._text);
      return reviver ? JSON.parse(JSON.stringify(parsed), reviver) : parsed;
    }
    jsonp() { return this.json(); }
    reason() { return this.status; }
    details() { return { code: this.code, name: this.status, detail: this.status }; }
    size() {
      var headerSize = this.headers.all().reduce(function (acc, h) { return acc + String(h.key).length + String(h.value).length + 4; }, 0);
      return { body: this.responseSize || 0, header: headerSize, total: (this.responseSize || 0) + headerSize };
    }
    dataURI() { return 'data:' + (this.headers.get('content-type') || 'text/plain') + ';base64,' + __pmLibs.load('btoa')(this._text); }
    toJSON() {
      return { code: this.code, status: this.status, header: this.headers.toJSON(), body: this._text,
        responseTime: this.responseTime, responseSize: this.responseSize };
    }
  }

  // ------------------------------------------------------------------ variables
  class VariableScope {
    constructor(values, options) {
      options = options || {};
      this._values = {};
      this.name = options.name;
      this._readOnly = Boolean(options.readOnly);
      this._host = options.host;  // for replaceIn (dynamic variables)
      for (var k in (values || {})) { this._values[k] = values[k]; }
    }
    get(key) { return Object.prototype.hasOwnProperty.call(this._values, key) ? this._values[key] : undefined; }
    has(key) { return Object.prototype.hasOwnProperty.call(this._values, key); }
    set(key, value) {
      if (this._readOnly) { throw new Error('pm.iterationData is read-only'); }
      if (key === undefined || key === null) { return; }
      this._values[String(key)] = value;
    }
    unset(key) { delete this._values[key]; }
    clear() { this._values = {}; }
    toObject() { var copy = {}; for (var k in this._values) { copy[k] = this._values[k]; } return copy; }
    toJSON() { return this.toObject(); }
    replaceIn(template) { return substitute(template, [this], this._host); }
    syncVariablesTo(target) { target = target || {}; var obj = this.toObject(); for (var k in obj) { target[k] = obj[k]; } return target; }
    syncVariablesFrom(obj) { this.clear(); for (var k in (obj || {})) { this._values[k] = obj[k]; } }
  }

  /** pm.variables: a resolving view over the layers; `set` writes the local layer. */
  class ResolvingScope {
    constructor(layers, local, host) { this._layers = layers; this._local = local; this._host = host; }
    _all() { return [this._local].concat(this._layers); }
    get(key) {
      var layers = this._all();
      for (var i = 0; i < layers.length; i++) { if (layers[i].has(key)) { return layers[i].get(key); } }
      return undefined;
    }
    has(key) { return this._all().some(function (l) { return l.has(key); }); }
    set(key, value) { this._local.set(key, value); }
    unset(key) { this._local.unset(key); }
    clear() { this._local.clear(); }
    toObject() {
      var merged = {};
      var layers = this._all().slice().reverse();
      layers.forEach(function (l) { var o = l.toObject(); for (var k in o) { merged[k] = o[k]; } });
      return merged;
    }
    replaceIn(template) { return substitute(template, this._all(), this._host); }
  }

  function substitute(template, layers, host) {
    if (template === undefined || template === null) { return template; }
    if (typeof template !== 'string') {
      if (isObject(template)) { return JSON.parse(substitute(JSON.stringify(template), layers, host)); }
      return template;
    }
    var result = template;
    for (var pass = 0; pass < MAX_PASSES; pass++) {
      var changed = false;
      result = result.replace(VARIABLE, function (whole, name) {
        for (var i = 0; i < layers.length; i++) {
          if (layers[i].has(name)) { changed = true; return substitutionText(layers[i].get(name)); }
        }
        if (name.charAt(0) === '$' && host) {
          var value = host.dynamic(name);
          if (value !== undefined) { changed = true; return value; }
        }
        return whole;
      });
      if (!changed || result.indexOf('{{') < 0) { break; }
    }
    return result;
  }

  // postman-collection's constructor names, which chai shows in messages (PostmanResponse{ …(10) })
  Object.defineProperty(Response, 'name', { value: 'PostmanResponse' });
  Object.defineProperty(Request, 'name', { value: 'PostmanRequest' });

  return {
    JSONError: JSONError,
    PropertyList: PropertyList,
    Request: Request,
    RequestBody: RequestBody,
    ResolvingScope: ResolvingScope,
    Response: Response,
    Url: Url,
    VariableScope: VariableScope,
    parseJsonText: parseJsonText,
    parseUrl: parseUrl,
    substitute: substitute
  };
})();
