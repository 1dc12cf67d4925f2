// Smoke test of the local Notion server with the official JavaScript SDK (@notionhq/client).
//
// Run by tests/localnotion/test_js_client.py:
//   NOTION_BASE_URL=http://127.0.0.1:PORT NOTION_TOKEN=local-notion-token node smoke.mjs
// The client is built exactly as against real Notion, except for `baseUrl`. The script prints
// ONE JSON object on stdout summarising what it observed; the Python test asserts its values.
// Any unexpected error is printed on stderr (with the API's answer) and exits with status 1.

import { createRequire } from "node:module";

import {
  APIErrorCode,
  APIResponseError,
  Client,
  collectPaginatedAPI,
  isFullBlock,
  isFullComment,
  isFullDataSource,
  isFullDatabase,
  isFullPage,
  isNotionClientError,
  iteratePaginatedAPI,
} from "@notionhq/client";

const baseUrl = process.env.NOTION_BASE_URL;
const auth = process.env.NOTION_TOKEN;
if (!baseUrl || !auth) {
  console.error("set NOTION_BASE_URL and NOTION_TOKEN");
  process.exit(2);
}

const sdkVersion = createRequire(import.meta.url)("@notionhq/client/package.json").version;
const notion = new Client({ auth, baseUrl });

const text = (content) => [{ type: "text", text: { content } }];
const plain = (richText) => richText.map((part) => part.plain_text).join("");
const titleOf = (page) => plain(page.properties.Name.title);
const summary = { sdk_version: sdkVersion, notion_version: Client.defaultNotionVersion };

async function expectError(call) {
  try {
    await call();
  } catch (error) {
    if (!isNotionClientError(error)) throw error;
    return {
      is_notion_client_error: true,
      is_api_response_error: APIResponseError.isAPIResponseError(error),
      code: error.code,
      status: error.status,
      message: error.message,
    };
  }
  throw new Error("the call was expected to fail but succeeded");
}

async function main() {
  // users.me
  const me = await notion.users.me({});
  summary.me = { object: me.object, type: me.type, has_id: typeof me.id === "string" };

  // search for the root page
  const found = await notion.search({
    query: "notionhub",
    filter: { property: "object", value: "page" },
  });
  const root = found.results.find(
    (page) => isFullPage(page) && plain(page.properties.title.title) === "notionhub",
  );
  if (!root) throw new Error(`no page titled "notionhub" in ${JSON.stringify(found)}`);
  summary.search = {
    object: found.object,
    type: found.type,
    result_objects: [...new Set(found.results.map((result) => result.object))],
    root_found: true,
  };

  // databases.create with an initial data source, then a relation to itself
  const db = await notion.databases.create({
    parent: { type: "page_id", page_id: root.id },
    title: text("JS SDK smoke"),
    initial_data_source: {
      properties: {
        Name: { title: {} },
        Score: { number: { format: "number" } },
        Stage: {
          select: {
            options: [
              { name: "Lead", color: "gray" },
              { name: "Won", color: "green" },
            ],
          },
        },
        Due: { date: {} },
        Done: { checkbox: {} },
      },
    },
  });
  const dataSourceId = db.data_sources[0].id;
  summary.database = {
    object: db.object,
    is_full: isFullDatabase(db),
    title: plain(db.title),
    parent_is_root: db.parent.page_id === root.id,
    data_source_count: db.data_sources.length,
  };
  await notion.dataSources.update({
    data_source_id: dataSourceId,
    properties: {
      Related: { relation: { data_source_id: dataSourceId, single_property: {} } },
    },
  });

  // dataSources.retrieve
  const ds = await notion.dataSources.retrieve({ data_source_id: dataSourceId });
  summary.data_source = {
    object: ds.object,
    is_full: isFullDataSource(ds),
    parent_is_database: ds.parent.type === "database_id" && ds.parent.database_id === db.id,
    properties: Object.fromEntries(
      Object.entries(ds.properties)
        .map(([name, prop]) => [name, prop.type])
        .sort(([a], [b]) => a.localeCompare(b)),
    ),
    stage_options: ds.properties.Stage.select.options.map((option) => option.name),
    relation_target_is_self: ds.properties.Related.relation.data_source_id === dataSourceId,
  };

  // pages.create x3
  const rows = [
    ["Alpha", 10, "Lead", "2025-01-10", false],
    ["Beta", 20, "Won", "2025-02-10", false],
    ["Gamma", 30, "Won", "2025-03-10", true],
  ];
  const pages = {};
  for (const [name, score, stage, due, done] of rows) {
    const page = await notion.pages.create({
      parent: { type: "data_source_id", data_source_id: dataSourceId },
      properties: {
        Name: { title: text(name) },
        Score: { number: score },
        Stage: { select: { name: stage } },
        Due: { date: { start: due } },
        Done: { checkbox: done },
      },
    });
    pages[name] = page;
  }
  const alpha = pages.Alpha;
  summary.created = {
    titles: Object.values(pages).map(titleOf),
    all_full: Object.values(pages).every(isFullPage),
    parent_type: alpha.parent.type,
    parent_is_data_source: alpha.parent.data_source_id === dataSourceId,
    alpha_stage: alpha.properties.Stage.select.name,
    alpha_due: alpha.properties.Due.date.start,
  };

  // dataSources.query: compound filter + sort, paginated one row at a time
  const queryArgs = {
    data_source_id: dataSourceId,
    filter: {
      and: [
        { property: "Score", number: { greater_than_or_equal_to: 10 } },
        {
          or: [
            { property: "Stage", select: { equals: "Won" } },
            { property: "Due", date: { before: "2025-02-01" } },
          ],
        },
        { property: "Name", title: { does_not_equal: "Beta" } },
      ],
    },
    sorts: [{ property: "Score", direction: "descending" }],
    page_size: 1,
  };
  const first = await notion.dataSources.query(queryArgs);
  let queryCalls = 0;
  const countingQuery = (args) => {
    queryCalls += 1;
    return notion.dataSources.query(args);
  };
  const iterated = [];
  for await (const row of iteratePaginatedAPI(countingQuery, queryArgs)) {
    iterated.push(titleOf(row));
  }
  summary.query = {
    object: first.object,
    type: first.type,
    first_page_size: first.results.length,
    first_has_more: first.has_more,
    first_next_cursor_is_string: typeof first.next_cursor === "string",
    titles: iterated,
    calls: queryCalls,
  };

  // pages.update: number, select, checkbox and the self relation
  const updated = await notion.pages.update({
    page_id: pages.Beta.id,
    properties: {
      Score: { number: 25.5 },
      Stage: { select: { name: "Lead" } },
      Done: { checkbox: true },
      Related: { relation: [{ id: alpha.id }] },
    },
  });
  const all = await collectPaginatedAPI(notion.dataSources.query, {
    data_source_id: dataSourceId,
    sorts: [{ property: "Score", direction: "ascending" }],
  });
  summary.update = {
    score: updated.properties.Score.number,
    stage: updated.properties.Stage.select.name,
    done: updated.properties.Done.checkbox,
    related_is_alpha:
      updated.properties.Related.relation.length === 1 &&
      updated.properties.Related.relation[0].id === alpha.id,
    requeried: all.map((page) => [titleOf(page), page.properties.Score.number]),
  };

  // blocks.children.append + list (paginated, two per request)
  const appended = await notion.blocks.children.append({
    block_id: alpha.id,
    children: [
      { heading_2: { rich_text: text("Agenda") } },
      { paragraph: { rich_text: text("First point") } },
      {
        to_do: {
          rich_text: text("Call back"),
          checked: false,
          children: [{ paragraph: { rich_text: text("nested") } }],
        },
      },
    ],
  });
  const listed = await collectPaginatedAPI(notion.blocks.children.list, {
    block_id: alpha.id,
    page_size: 2,
  });
  const todo = listed.find((block) => block.type === "to_do");
  const nested = await notion.blocks.children.list({ block_id: todo.id });
  summary.blocks = {
    appended_object: appended.object,
    appended_types: appended.results.map((block) => block.type),
    listed_types: listed.map((block) => block.type),
    listed_all_full: listed.every(isFullBlock),
    listed_texts: listed.map((block) => plain(block[block.type].rich_text)),
    todo_has_children: todo.has_children,
    nested_texts: nested.results.map((block) => plain(block[block.type].rich_text)),
  };

  // comments.create + list
  const comment = await notion.comments.create({
    parent: { page_id: alpha.id },
    rich_text: text("Looks good from JS"),
  });
  const comments = await notion.comments.list({ block_id: alpha.id });
  summary.comments = {
    created_object: comment.object,
    created_is_full: isFullComment(comment),
    created_has_discussion: typeof comment.discussion_id === "string",
    listed_texts: comments.results.map((item) => plain(item.rich_text)),
    listed_ids_match: comments.results.some((item) => item.id === comment.id),
  };

  // errors: an unknown page, and a wrong token
  summary.errors = {
    unknown_page: await expectError(() =>
      notion.pages.retrieve({ page_id: "00000000-0000-4000-8000-000000000000" }),
    ),
    wrong_token: await expectError(() =>
      new Client({ auth: "not-the-token", baseUrl }).users.me({}),
    ),
  };
  summary.errors.unknown_page.matches_api_error_code =
    summary.errors.unknown_page.code === APIErrorCode.ObjectNotFound;
  summary.errors.wrong_token.matches_api_error_code =
    summary.errors.wrong_token.code === APIErrorCode.Unauthorized;

  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

main().catch((error) => {
  console.error("smoke.mjs failed:", error);
  if (APIResponseError.isAPIResponseError(error)) {
    console.error("status:", error.status, "code:", error.code, "body:", error.body);
  }
  console.error("observed so far:", JSON.stringify(summary));
  process.exit(1);
});
