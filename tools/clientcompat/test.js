// Runs Dataverse Web API client libraries from npm against a ConnectorHub server.
//
//   CONNECTORHUB_URL=http://127.0.0.1:8080 CONNECTORHUB_TOKEN=... node test.js
//
// Prints one line per library and step, "ok <library> <step>" or
// "FAIL <library> <step>: <error>", and exits 1 when a step failed. See README.md.

import http from 'node:http';
import https from 'node:https';
import { randomUUID } from 'node:crypto';

import { DynamicsWebApi } from 'dynamics-web-api';
import * as dvw from 'dataverse-webapi';

const serverUrl = (process.env.CONNECTORHUB_URL || '').replace(/\/+$/, '');
const token = process.env.CONNECTORHUB_TOKEN || '';
if (!serverUrl || !token) {
	console.error('set CONNECTORHUB_URL (e.g. http://127.0.0.1:8080) and CONNECTORHUB_TOKEN');
	process.exit(2);
}
const apiUrl = `${serverUrl}/api/data/v9.2/`;
// A step that takes longer than this fails, so that one hung request does not hide the others.
const stepTimeoutMs = Number(process.env.CLIENTCOMPAT_STEP_TIMEOUT_MS || 30000);
const run = randomUUID().slice(0, 8); // names are unique per run, so reruns against one server work

// A small valid Swagger 2.0 definition, as the create step sends it.
function definition(title) {
	return JSON.stringify({
		swagger: '2.0',
		info: { title, description: 'Client compatibility test connector', version: '1.0' },
		host: 'api.example.com',
		basePath: '/',
		schemes: ['https'],
		consumes: ['application/json'],
		produces: ['application/json'],
		paths: {
			'/ping': {
				get: {
					operationId: 'Ping',
					summary: 'Ping',
					description: 'Answers pong.',
					responses: { 200: { description: 'OK', schema: { type: 'object', properties: { pong: { type: 'boolean' } } } } },
				},
			},
		},
	});
}

function connector(name) {
	return {
		connectorid: randomUUID(),
		name,
		displayname: `Client compat ${name}`,
		openapidefinition: definition(name),
		connectortype: 1,
	};
}

let failed = 0;

function describe(err) {
	if (err == null) return String(err);
	if (typeof err !== 'object') return String(err);
	const parts = [];
	if (err.status !== undefined) parts.push(`status ${err.status}`);
	if (err.code) parts.push(`code ${err.code}`);
	if (err.message) parts.push(err.message);
	else parts.push(JSON.stringify(err));
	return parts.join(': ');
}

// step runs fn with a timeout and prints its outcome.
async function step(library, name, fn) {
	let timer;
	try {
		await Promise.race([
			fn(),
			new Promise((_, reject) => {
				timer = setTimeout(() => reject(new Error(`timed out after ${stepTimeoutMs} ms`)), stepTimeoutMs);
			}),
		]);
		console.log(`ok ${library} ${name}`);
	} catch (err) {
		failed++;
		console.log(`FAIL ${library} ${name}: ${describe(err).replace(/\s*\n\s*/g, ' ')}`);
	} finally {
		clearTimeout(timer);
	}
}

function check(cond, msg) {
	if (!cond) throw new Error(msg);
}

const sameId = (a, b) => typeof a === 'string' && typeof b === 'string' && a.toLowerCase() === b.toLowerCase();

function checkNames(records, want, what) {
	const got = records.map((r) => r.name).sort();
	const exp = [...want].sort();
	check(JSON.stringify(got) === JSON.stringify(exp), `${what}: got ${got.length} names ${JSON.stringify(got)}, want ${exp.length} ${JSON.stringify(exp)}`);
}

// ---------------------------------------------------------------------------------------------
// dynamics-web-api: configured as for an on-premises server, with serverUrl and a token callback.

async function runDynamicsWebApi() {
	const lib = 'dynamics-web-api';
	const prefix = `cc_dwa_${run}`;
	const api = new DynamicsWebApi({
		serverUrl,
		dataApi: { version: '9.2' },
		onTokenRefresh: async () => token,
	});
	const collection = 'connectors';
	const main = connector(`${prefix}_main`);
	const paged = Array.from({ length: 12 }, (_, i) => connector(`${prefix}_page_${String(i + 1).padStart(2, '0')}`));
	const batched = [connector(`${prefix}_batch_1`), connector(`${prefix}_batch_2`)];
	const created = []; // ids to delete at the end

	await step(lib, '1-create', async () => {
		const id = await api.create({ collection, data: main });
		check(sameId(id, main.connectorid), `create returned id ${JSON.stringify(id)}, want ${main.connectorid}`);
		created.push(main.connectorid);
	});

	await step(lib, '2-retrieve', async () => {
		const r = await api.retrieve({ collection, key: main.connectorid, select: ['name', 'displayname', 'connectortype'] });
		check(r && r.name === main.name, `name ${JSON.stringify(r && r.name)}, want ${main.name}`);
		check(r.displayname === main.displayname, `displayname ${JSON.stringify(r.displayname)}`);
		check(r.connectortype === 1, `connectortype ${JSON.stringify(r.connectortype)}`);
		check(sameId(r.connectorid, main.connectorid), `connectorid ${JSON.stringify(r.connectorid)}`);
		check(typeof r['@odata.etag'] === 'string', `no @odata.etag in ${JSON.stringify(r)}`);
		check(!('openapidefinition' in r), 'openapidefinition answered though not selected');
	});

	await step(lib, '3-query', async () => {
		const r = await api.retrieveMultiple({ collection, select: ['name', 'displayname'], filter: `name eq '${main.name}'` });
		check(Array.isArray(r.value), `no value array in ${JSON.stringify(r)}`);
		checkNames(r.value, [main.name], 'filter on name');
		check(r.value[0].displayname === main.displayname, `displayname ${JSON.stringify(r.value[0].displayname)}`);
	});

	await step(lib, '4-paging', async () => {
		for (const c of paged) {
			await api.create({ collection, data: c });
			created.push(c.connectorid);
		}
		const query = { collection, select: ['name'], filter: `startswith(name,'${prefix}_')`, maxPageSize: 5 };
		const first = await api.retrieveMultiple(query);
		check(first.value.length === 5, `first page has ${first.value.length} records, want 5`);
		check(typeof first.oDataNextLink === 'string', 'first page has no @odata.nextLink');
		const all = await api.retrieveAll(query);
		checkNames(all.value, [main.name, ...paged.map((c) => c.name)], 'retrieveAll with maxPageSize 5');
	});

	await step(lib, '5-fetchxml', async () => {
		// count="5" makes the library page: fetchAll follows the paging cookie.
		const fetchXml =
			'<fetch count="5">' +
			'<entity name="connector"><attribute name="name"/><attribute name="connectorid"/>' +
			'<filter><condition attribute="name" operator="like" value="' + prefix + '_%"/></filter>' +
			'<order attribute="name"/></entity></fetch>';
		const annotations = 'Microsoft.Dynamics.CRM.fetchxmlpagingcookie';
		const page = await api.fetch({ collection, fetchXml, includeAnnotations: annotations });
		check(page.value.length === 5, `first page has ${page.value.length} records, want 5`);
		check(page.PagingInfo && page.PagingInfo.nextPage === 2, `first page PagingInfo ${JSON.stringify(page.PagingInfo)}, want nextPage 2`);
		const all = await api.fetchAll({ collection, fetchXml, includeAnnotations: annotations });
		checkNames(all.value, [main.name, ...paged.map((c) => c.name)], 'fetchAll with count 5');
	});

	await step(lib, '6-batch', async () => {
		api.startBatch();
		api.create({ collection, data: batched[0] });
		api.create({ collection, data: batched[1] });
		// A GET is never in a change set: this one follows it.
		api.retrieveMultiple({ collection, select: ['name'], filter: `startswith(name,'${prefix}_batch_')` });
		const responses = await api.executeBatch();
		check(Array.isArray(responses) && responses.length === 3, `executeBatch answered ${JSON.stringify(responses)}`);
		for (const c of batched) {
			if (responses.some((r) => sameId(r, c.connectorid))) created.push(c.connectorid);
		}
		check(sameId(responses[0], batched[0].connectorid), `first create answered ${JSON.stringify(responses[0])}`);
		check(sameId(responses[1], batched[1].connectorid), `second create answered ${JSON.stringify(responses[1])}`);
		check(responses[2] && Array.isArray(responses[2].value), `GET answered ${JSON.stringify(responses[2])}`);
		checkNames(responses[2].value, batched.map((c) => c.name), 'GET after the change set');
		for (const c of batched) {
			const r = await api.retrieve({ collection, key: c.connectorid, select: ['name'] });
			check(r.name === c.name, `retrieve after batch: name ${JSON.stringify(r.name)}, want ${c.name}`);
		}
	});

	await step(lib, '7-update', async () => {
		// Without an ETag (the library sends If-Match: * so that a PATCH never creates).
		await api.update({ collection, key: main.connectorid, data: { description: 'updated without an ETag' } });
		let r = await api.retrieve({ collection, key: main.connectorid, select: ['description'] });
		check(r.description === 'updated without an ETag', `description ${JSON.stringify(r.description)}`);
		const etag = r['@odata.etag'];
		check(typeof etag === 'string', 'no @odata.etag');
		// With the current ETag: applied.
		const ok = await api.update({ collection, key: main.connectorid, data: { description: 'updated with an ETag' }, ifmatch: etag });
		check(ok !== false, 'update with the current ETag answered false (412)');
		r = await api.retrieve({ collection, key: main.connectorid, select: ['description'] });
		check(r.description === 'updated with an ETag', `description ${JSON.stringify(r.description)}`);
		check(r['@odata.etag'] !== etag, `ETag ${etag} did not change on update`);
		// With the stale ETag: refused with 412, which the library answers as false.
		const stale = await api.update({ collection, key: main.connectorid, data: { description: 'stale' }, ifmatch: etag });
		check(stale === false, `update with a stale ETag answered ${JSON.stringify(stale)}, want false (412)`);
		// If-None-Match with the current ETag: not modified.
		const unchanged = await api.retrieve({ collection, key: main.connectorid, select: ['description'], ifnonematch: r['@odata.etag'] });
		check(unchanged == null, `retrieve with a matching If-None-Match answered ${JSON.stringify(unchanged)}, want nothing (304)`);
	});

	await step(lib, '8-delete', async () => {
		// Also whatever a failed step may have created without saying so.
		const found = await api.retrieveAll({ collection, select: ['connectorid'], filter: `startswith(name,'${prefix}_')` });
		const ids = new Set([...created, ...found.value.map((r) => r.connectorid)].map((id) => id.toLowerCase()));
		const errors = [];
		for (const id of ids) {
			try {
				await api.deleteRecord({ collection, key: id });
			} catch (err) {
				errors.push(`${id}: ${describe(err)}`);
			}
		}
		check(errors.length === 0, `delete failed: ${errors.join('; ')}`);
		let err;
		try {
			await api.retrieve({ collection, key: main.connectorid, select: ['name'] });
		} catch (e) {
			err = e;
		}
		check(err !== undefined, 'retrieve of a deleted connector succeeded');
		check(err.status === 404, `retrieve of a deleted connector: ${describe(err)}, want status 404`);
		const left = await api.retrieveMultiple({ collection, select: ['name'], filter: `startswith(name,'${prefix}_')` });
		check(left.value.length === 0, `${left.value.length} connectors left`);
	});
}

// ---------------------------------------------------------------------------------------------
// dataverse-webapi: WebApiConfig(version, token, url).
//
// Its Node build ('dataverse-webapi/lib/node') calls https.request with the host name alone,
// so it reaches https://host:443 only, whatever the URL's scheme and port. Against an
// emulator on http://127.0.0.1:PORT a user runs its browser build, whose transport is
// XMLHttpRequest; Node has none, so here is a minimal one over node:http. Everything else
// (URLs, headers, bodies, batch, parsing) is the library's.

class NodeXMLHttpRequest {
	constructor() {
		this.readyState = 0;
		this.status = 0;
		this.response = '';
		this.responseText = '';
		this.onreadystatechange = null;
		this._headers = {};
		this._responseHeaders = {};
	}
	open(method, url) {
		this._method = method;
		this._url = url;
		this.readyState = 1;
	}
	setRequestHeader(name, value) {
		this._headers[name] = value;
	}
	getAllResponseHeaders() {
		return Object.entries(this._responseHeaders)
			.map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : v}`)
			.join('\r\n');
	}
	send(body) {
		const url = new URL(this._url);
		const headers = { ...this._headers };
		if (body != null) headers['Content-Length'] = Buffer.byteLength(body);
		const done = (status, text, responseHeaders) => {
			this.status = status;
			this.response = this.responseText = text;
			this._responseHeaders = responseHeaders;
			this.readyState = 4;
			if (this.onreadystatechange) this.onreadystatechange();
		};
		const req = (url.protocol === 'https:' ? https : http).request(url, { method: this._method, headers }, (res) => {
			let text = '';
			res.setEncoding('utf8');
			res.on('data', (chunk) => (text += chunk));
			res.on('end', () => done(res.statusCode, text, res.headers));
		});
		req.on('error', (err) => done(0, JSON.stringify({ error: { message: String(err) } }), {}));
		if (body != null) req.write(body);
		req.end();
	}
}
globalThis.XMLHttpRequest = NodeXMLHttpRequest;

async function runDataverseWebApi() {
	const lib = 'dataverse-webapi';
	const prefix = `cc_dvw_${run}`;
	const config = () => new dvw.WebApiConfig('9.2', token, serverUrl);
	const set = 'connectors';
	const main = connector(`${prefix}_main`);
	const paged = Array.from({ length: 12 }, (_, i) => connector(`${prefix}_page_${String(i + 1).padStart(2, '0')}`));
	const batched = [connector(`${prefix}_batch_1`), connector(`${prefix}_batch_2`)];
	const created = [];

	await step(lib, '1-create', async () => {
		const id = await dvw.create(config(), set, main);
		check(sameId(id, main.connectorid), `create returned id ${JSON.stringify(id)}, want ${main.connectorid}`);
		created.push(main.connectorid);
	});

	await step(lib, '2-retrieve', async () => {
		const r = await dvw.retrieve(config(), set, main.connectorid, '$select=name,displayname,connectortype');
		check(r && r.name === main.name, `name ${JSON.stringify(r && r.name)}, want ${main.name}`);
		check(r.displayname === main.displayname, `displayname ${JSON.stringify(r.displayname)}`);
		check(r.connectortype === 1, `connectortype ${JSON.stringify(r.connectortype)}`);
		check(sameId(r.connectorid, main.connectorid), `connectorid ${JSON.stringify(r.connectorid)}`);
		check(typeof r['@odata.etag'] === 'string', `no @odata.etag in ${JSON.stringify(r)}`);
		check(!('openapidefinition' in r), 'openapidefinition answered though not selected');
	});

	await step(lib, '3-query', async () => {
		const r = await dvw.retrieveMultiple(config(), set, `$select=name,displayname&$filter=name eq '${main.name}'`);
		check(Array.isArray(r.value), `no value array in ${JSON.stringify(r)}`);
		checkNames(r.value, [main.name], 'filter on name');
		check(r.value[0].displayname === main.displayname, `displayname ${JSON.stringify(r.value[0].displayname)}`);
	});

	await step(lib, '4-paging', async () => {
		for (const c of paged) {
			await dvw.create(config(), set, c);
			created.push(c.connectorid);
		}
		// The library has no "retrieve all". Its retrieveMultipleNextPage cannot follow a
		// nextLink (of Dataverse's or ours): it requests encodeURI(nextLink + "/"), which encodes
		// every %XX of the link a second time and appends a "/" to the last value. So the pages
		// are followed as its users do, with retrieveMultiple and the link's query, decoded once
		// so that the library's own encodeURI encodes it back as it was.
		let page = await dvw.retrieveMultiple(config(), set, `$select=name&$filter=startswith(name,'${prefix}_')`, { maxPageSize: 5 });
		check(page.value.length === 5, `first page has ${page.value.length} records, want 5`);
		const records = [...page.value];
		let pages = 1;
		while (page['@odata.nextLink']) {
			check(pages < 10, 'more than 10 pages');
			const query = decodeURIComponent(new URL(page['@odata.nextLink']).search.slice(1));
			page = await dvw.retrieveMultiple(config(), set, query, { maxPageSize: 5 });
			records.push(...page.value);
			pages++;
		}
		check(pages === 3, `${pages} pages, want 3`);
		checkNames(records, [main.name, ...paged.map((c) => c.name)], 'pages of 5');
	});

	await step(lib, '5-fetchxml', async () => {
		// The library has no FetchXML call of its own: its README's "Retrieve multiple with Fetch
		// XML" is retrieveMultiple with fetchXml in the query string (the browser transport
		// encodes the URL with encodeURI, so the XML goes in unencoded). It does not page FetchXML.
		const fetchXml =
			'<fetch>' +
			'<entity name="connector"><attribute name="name"/><attribute name="connectorid"/>' +
			'<filter><condition attribute="name" operator="like" value="' + prefix + '_%"/></filter>' +
			'<order attribute="name"/></entity></fetch>';
		const r = await dvw.retrieveMultiple(config(), set, `fetchXml=${fetchXml}`);
		check(Array.isArray(r.value), `no value array in ${JSON.stringify(r)}`);
		checkNames(r.value, [main.name, ...paged.map((c) => c.name)], 'fetchXml');
	});

	await step(lib, '6-batch', async () => {
		const changeSets = batched.map((c) => ({ queryString: set, entity: c, method: 'POST' }));
		const gets = [`${set}?$select=name&$filter=startswith(name,'${prefix}_batch_')`];
		const responses = await dvw.batchOperation(config(), randomUUID(), randomUUID(), changeSets, gets);
		check(Array.isArray(responses) && responses.length === 3, `batchOperation answered ${JSON.stringify(responses)}`);
		for (const c of batched) {
			if (responses.some((r) => sameId(r.entityId, c.connectorid))) created.push(c.connectorid);
		}
		for (let i = 0; i < 2; i++) {
			const r = responses[i];
			check(r.httpStatus === 204 && sameId(r.entityId, batched[i].connectorid) && r.contentId === String(i + 1),
				`create ${i + 1} answered ${JSON.stringify(r)}, want 204, Content-ID ${i + 1} and entityId ${batched[i].connectorid}`);
		}
		check(responses[2].httpStatus === 200 && responses[2].data && Array.isArray(responses[2].data.value), `GET answered ${JSON.stringify(responses[2])}`);
		checkNames(responses[2].data.value, batched.map((c) => c.name), 'GET after the change set');
		for (const c of batched) {
			const r = await dvw.retrieve(config(), set, c.connectorid, '$select=name');
			check(r.name === c.name, `retrieve after batch: name ${JSON.stringify(r.name)}, want ${c.name}`);
		}
	});

	await step(lib, '7-update', async () => {
		// Without an ETag.
		await dvw.update(config(), set, main.connectorid, { description: 'updated without an ETag' });
		let r = await dvw.retrieve(config(), set, main.connectorid, '$select=description');
		check(r.description === 'updated without an ETag', `description ${JSON.stringify(r.description)}`);
		const etag = r['@odata.etag'];
		check(typeof etag === 'string', 'no @odata.etag');
		// The library has no ETag option: If-Match goes in its customHeaders.
		await dvw.update(config(), set, main.connectorid, { description: 'updated with an ETag' }, { customHeaders: { 'If-Match': etag } });
		r = await dvw.retrieve(config(), set, main.connectorid, '$select=description');
		check(r.description === 'updated with an ETag', `description ${JSON.stringify(r.description)}`);
		check(r['@odata.etag'] !== etag, `ETag ${etag} did not change on update`);
		let err;
		try {
			await dvw.update(config(), set, main.connectorid, { description: 'stale' }, { customHeaders: { 'If-Match': etag } });
		} catch (e) {
			err = e;
		}
		check(err !== undefined, 'update with a stale ETag succeeded');
		check(err.code === '0x80060882', `update with a stale ETag: ${describe(err)}, want code 0x80060882`);
	});

	await step(lib, '8-delete', async () => {
		// Also whatever a failed step may have created without saying so (one page is enough).
		const found = await dvw.retrieveMultiple(config(), set, `$select=connectorid&$filter=startswith(name,'${prefix}_')`);
		const ids = new Set([...created, ...found.value.map((r) => r.connectorid)].map((id) => id.toLowerCase()));
		const errors = [];
		for (const id of ids) {
			try {
				await dvw.deleteRecord(config(), set, id);
			} catch (err) {
				errors.push(`${id}: ${describe(err)}`);
			}
		}
		check(errors.length === 0, `delete failed: ${errors.join('; ')}`);
		let err;
		try {
			await dvw.retrieve(config(), set, main.connectorid, '$select=name');
		} catch (e) {
			err = e;
		}
		check(err !== undefined, 'retrieve of a deleted connector succeeded');
		// The library rejects with the body's "error" object alone, without the status: the
		// code is Dataverse's 404 "does not exist".
		check(err.code === '0x80040217', `retrieve of a deleted connector: ${describe(err)}, want code 0x80040217 (404)`);
		const left = await dvw.retrieveMultiple(config(), set, `$select=name&$filter=startswith(name,'${prefix}_')`);
		check(left.value.length === 0, `${left.value.length} connectors left`);
	});
}

await runDynamicsWebApi();
await runDataverseWebApi();
if (failed > 0) {
	console.log(`${failed} step(s) failed`);
	process.exit(1);
}
