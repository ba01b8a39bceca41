-- Headless Neovim as an LSP client of `rnnlens lsp` (driven by test_neovim.py).
-- Reads its inputs from environment variables and writes what the server answered as JSON.
local python = os.getenv("RNNLENS_PYTHON")
local file = os.getenv("RNNLENS_FILE")
local out = os.getenv("RNNLENS_OUT")
local options = vim.fn.json_decode(os.getenv("RNNLENS_OPTIONS"))
local results = { statuses = {}, messages = {} }

local function finish()
  vim.fn.writefile({ vim.fn.json_encode(results) }, out)
  vim.cmd("qa!")
end

local ok, err = pcall(function()
  local client_id = vim.lsp.start_client({
    name = "rnnlens",
    cmd = { python, "-m", "rnnlens", "lsp" },
    root_dir = vim.fn.fnamemodify(file, ":h"),
    init_options = options,
    handlers = {
      ["rnnlens/status"] = function(_, result) table.insert(results.statuses, result) end,
      ["window/showMessage"] = function(_, result) table.insert(results.messages, result.message) end,
    },
  })
  vim.cmd("edit " .. file)
  local bufnr = vim.api.nvim_get_current_buf()
  vim.lsp.buf_attach_client(bufnr, client_id)
  local client = vim.lsp.get_client_by_id(client_id)
  results.filetype = vim.bo.filetype

  local function ready_count()
    local count = 0
    for _, status in ipairs(results.statuses) do
      if status.clusters == "ready" then count = count + 1 end
    end
    return count
  end
  local before = ready_count()  -- wait for clusters made from this evaluation, not from an older cache
  local evaluated = client.request_sync("workspace/executeCommand",
    { command = "rnnlens.server.evaluate", arguments = {} }, 120000, bufnr)
  results.evaluate = evaluated and evaluated.result
  vim.wait(120000, function() return ready_count() > before end, 50)

  local document = { uri = vim.uri_from_bufnr(bufnr) }
  local hover = client.request_sync("textDocument/hover",
    { textDocument = document, position = { line = 0, character = 8 } }, 30000, bufnr)
  results.hover = hover and hover.result
  local hints = client.request_sync("textDocument/inlayHint",
    { textDocument = document, range = { start = { line = 0, character = 0 }, ["end"] = { line = 1, character = 0 } } },
    30000, bufnr)
  results.inlay = hints and hints.result
  client.stop()
end)
if not ok then results.error = tostring(err) end
finish()
