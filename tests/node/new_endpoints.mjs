// The endpoints added to the local Notion server, driven by the official JavaScript SDK.
//
// Run by tests/localnotion/test_js_client_new_endpoints.py, like smoke.mjs:
//   NOTION_BASE_URL=http://127.0.0.1:PORT NOTION_TOKEN=local-notion-token node new_endpoints.mjs
// Prints ONE JSON object summarising what it observed; any unexpected error exits with 1.

import { APIErrorCode, APIResponseError, Client, isNotionClientError } from "@notionhq/client";

const baseUrl = process.env.NOTION_BASE_URL;
const auth = process.env.NOTION_TOKEN;
if (!baseUrl || !auth) {
  console.error("set NOTION_BASE_URL and NOTION_TOKEN");
  process.exit(2);
}
const notion = new Client({ auth, baseUrl });
const text = (content) => [{ type: "text", text: { content } }];
const plain = (richText) => richText.map((part) => part.plain_text).join("");
const summary = {};

async function errorCode(call) {
  try {
    await call();
  } catch (error) {
    if (!isNotionClientError(error)) throw error;
    return error.code;
  }
  throw new Error("the call was expected to fail but succeeded");
}

async function main() {
  const found = await notion.search({ query: "notionhub", filter: { property: "object", value: "page" } });
  const root = found.results[0].id;
  const page = (name, parent) =>
    notion.pages.create({ parent: { page_id: parent }, properties: { title: { title: text(name) } } });

  // pages.move
  const from = await page("js from", root);
  const to = await page("js to", root);
  const moving = await page("js moving", from.id);
  const moved = await notion.pages.move({ page_id: moving.id, parent: { type: "page_id", page_id: to.id } });
  summary.move = { parent_is_target: moved.parent.page_id === to.id };

  // comments by id
  const comment = await notion.comments.create({ parent: { page_id: to.id }, rich_text: text("js hi") });
  const read = await notion.comments.retrieve({ comment_id: comment.id });
  const updated = await notion.comments.update({ comment_id: comment.id, rich_text: text("js bye") });
  await notion.comments.delete({ comment_id: comment.id });
  summary.comments = {
    retrieved: plain(read.rich_text),
    updated: plain(updated.rich_text),
    after_delete: await errorCode(() => notion.comments.retrieve({ comment_id: comment.id })),
  };

  // page Markdown
  const written = await notion.pages.updateMarkdown({
    page_id: to.id,
    type: "replace_content",
    replace_content: { new_str: "# Title\n- **one**\n- two", allow_deleting_content: true },
  });
  const markdown = await notion.pages.retrieveMarkdown({ page_id: to.id });
  summary.markdown = { object: written.object, markdown: markdown.markdown };

  // file uploads: single part, attached as an icon
  const upload = await notion.fileUploads.create({ filename: "js.txt", content_type: "text/plain" });
  const sent = await notion.fileUploads.send({
    file_upload_id: upload.id,
    file: { filename: "js.txt", data: new Blob(["from node"], { type: "text/plain" }) },
  });
  const withIcon = await notion.pages.update({
    page_id: to.id,
    icon: { type: "file_upload", file_upload: { id: upload.id } },
  });
  const served = await fetch(withIcon.icon.file.url);
  const listed = await notion.fileUploads.list({ status: "uploaded" });
  summary.file_upload = {
    created_status: upload.status,
    sent_status: sent.status,
    content_length: sent.content_length,
    icon_type: withIcon.icon.type,
    served: await served.text(),
    listed: listed.results.some((item) => item.id === upload.id),
  };

  // views and a view query
  const db = await notion.databases.create({
    parent: { type: "page_id", page_id: root },
    title: text("JS views"),
    initial_data_source: { properties: { Name: { title: {} }, Score: { number: {} } } },
  });
  const sourceId = db.data_sources[0].id;
  for (const score of [1, 2, 3]) {
    await notion.pages.create({
      parent: { data_source_id: sourceId },
      properties: { Name: { title: text(`row ${score}`) }, Score: { number: score } },
    });
  }
  const view = await notion.views.create({
    database_id: db.id,
    data_source_id: sourceId,
    name: "High",
    type: "table",
    filter: { property: "Score", number: { greater_than: 1 } },
    sorts: [{ property: "Score", direction: "descending" }],
  });
  const query = await notion.views.queries.create({ view_id: view.id, page_size: 1 });
  const rest = await notion.views.queries.results({
    view_id: view.id,
    query_id: query.id,
    start_cursor: query.next_cursor,
  });
  summary.views = {
    type: view.type,
    total_count: query.total_count,
    pages: query.results.length + rest.results.length,
    listed: (await notion.views.list({ database_id: db.id })).results.length,
  };

  // lists that start empty, and an unknown async task
  summary.empty = {
    templates: (await notion.dataSources.listTemplates({ data_source_id: sourceId })).templates.length,
    custom_emojis: (await notion.customEmojis.list({})).results.length,
    async_task: await errorCode(() =>
      notion.asyncTasks.retrieve({ task_id: "00000000-0000-4000-8000-000000000000" }),
    ),
  };
  summary.not_found_code = APIErrorCode.ObjectNotFound;
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

main().catch((error) => {
  console.error("new_endpoints.mjs failed:", error);
  if (APIResponseError.isAPIResponseError(error)) {
    console.error("status:", error.status, "code:", error.code, "body:", error.body);
  }
  console.error("observed so far:", JSON.stringify(summary));
  process.exit(1);
});
