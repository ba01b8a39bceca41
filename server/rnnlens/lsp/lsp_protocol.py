"""pygls' LSP protocol with the changes RNN Lens needs for every method at once.

1. Every request is answered. pygls structures a message's params while parsing the JSON (an
   `object_hook`); when that fails (a negative or >= 2^31 position, a string or null where a
   number belongs) it raises out of the parser, the message loop logs it, and the request id is
   lost: the client waits forever. Here a request whose params do not fit its type becomes a
   `RejectedRequest`, answered with InvalidParams (-32602) and a message that names the field.
   A notification that does not fit is dropped with one warning line (there is no one to answer).
2. An internal error (a bug) reaches the client as one sentence: pygls would send the Python
   exception text and its traceback; those go to the server's log instead.
3. Documents are synced by our `DocumentStore` (LSP lines), not by pygls' workspace: its
   didOpen/didChange/didClose handlers only pass the params on to ours.
4. Normal events are not warnings: a `$/cancelRequest` for a request already answered (clients
   send it routinely) and a message after `shutdown` (answered with InvalidRequest, as LSP asks,
   where pygls dropped it with a warning). VS Code shows every stderr line as an error.
"""

from __future__ import annotations

import logging
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

from cattrs import ClassValidationError, transform_error
from cattrs.v import format_exception
from lsprotocol import types
from pygls.exceptions import JsonRpcInternalError, JsonRpcInvalidParams, JsonRpcInvalidRequest
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.json_rpc import JsonRPCNotification, JsonRPCRequestMessage
from pygls.protocol.language_server import lsp_method

log = logging.getLogger(__name__)
MAX_PROBLEMS = 3  # field errors quoted in one answer
INTERNAL_ERROR_MESSAGE = "RNN Lens failed to answer this request (a bug; the server's log has the details)"


@dataclass
class RejectedRequest:
    """A request whose params could not be structured: answered with `error`, never dispatched."""

    id: Any
    method: str
    error: str
    jsonrpc: str = "2.0"


@dataclass
class DroppedNotification:
    """A notification whose params could not be structured (logged, then ignored)."""

    method: str
    jsonrpc: str = "2.0"


def _describe(exc: BaseException, expected: Any) -> str:
    # lsprotocol's range validators say what they want ("Position.line should be in range
    # [0:2147483647], but was -1"): quote them; cattrs' own wording covers the rest
    if isinstance(exc, ValueError) and "should be" in str(exc):
        return str(exc)
    return format_exception(exc, expected)


def params_problem(method: str, exc: BaseException) -> str:
    """One readable sentence for a structuring failure (which field, what was wrong)."""
    if isinstance(exc, ClassValidationError):
        problems = [problem.replace("$.params.", "").replace("$.params", "params")
                    for problem in transform_error(exc, format_exception=_describe)]
    else:
        problems = [f"{type(exc).__name__}: {exc}"]
    shown = "; ".join(problems[:MAX_PROBLEMS]) + ("; …" if len(problems) > MAX_PROBLEMS else "")
    return f"invalid params for {method}: {shown}"


class RnnLensProtocol(LanguageServerProtocol):
    def structure_message(self, data: dict[str, Any]) -> Any:
        if "jsonrpc" not in data or "method" not in data or "error" in data:
            return super().structure_message(data)  # a nested object, a response, or an error
        method = data["method"]
        default = JsonRPCRequestMessage if "id" in data else JsonRPCNotification
        message_type = self.get_message_type(method) if isinstance(method, str) else None
        try:
            return self._converter.structure(data, message_type or default)
        except Exception as exc:  # noqa: BLE001 - any failure to structure is the client's params at fault
            problem = params_problem(str(method), exc)
            if "id" not in data:
                log.warning("dropped notification: %s", problem)
                return DroppedNotification(str(method))
            log.warning("refused request %r: %s", data.get("id"), problem)
            return RejectedRequest(data["id"], str(method), problem)

    def _send_response(self, msg_id: Any, result: Any | None = None,
                       error: types.ResponseError | None = None) -> None:
        if error is not None and error.code == JsonRpcInternalError.CODE:
            log.error("internal error answering request %r: %s%s", msg_id, error.message,
                      "".join((error.data or {}).get("traceback", [])) if isinstance(error.data, dict) else "")
            error = types.ResponseError(code=error.code, message=INTERNAL_ERROR_MESSAGE)
        super()._send_response(msg_id, result, error)

    def handle_message(self, message: Any) -> None:
        if isinstance(message, DroppedNotification):
            return
        if self._shutdown and getattr(message, "method", None) not in (None, types.EXIT):
            if getattr(message, "id", None) is not None:  # a request (a notification has no id)
                self._send_response(message.id, error=types.ResponseError(
                    code=JsonRpcInvalidRequest.CODE, message=f"{message.method}: the server is shutting down"))
            log.info("after shutdown: %s not handled", message.method)
            return
        if isinstance(message, RejectedRequest):
            self._send_response(message.id, error=types.ResponseError(
                code=JsonRpcInvalidParams.CODE, message=message.error))
            return
        super().handle_message(message)

    def _handle_cancel_notification(self, msg_id: Any) -> None:
        if msg_id not in self._request_futures:  # answered already: the client's cancel crossed our answer
            log.debug("cancel for request %r, which is no longer running", msg_id)
            return
        super()._handle_cancel_notification(msg_id)

    # ----- documents: our store applies the edits (see documents.py) -----------------------
    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: types.DidOpenTextDocumentParams) -> Generator[Any, Any, None]:
        yield from self._user_handler(types.TEXT_DOCUMENT_DID_OPEN, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams) -> Generator[Any, Any, None]:
        yield from self._user_handler(types.TEXT_DOCUMENT_DID_CHANGE, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams) -> Generator[Any, Any, None]:
        yield from self._user_handler(types.TEXT_DOCUMENT_DID_CLOSE, params)

    def _user_handler(self, method: str, params: Any) -> Generator[Any, Any, None]:
        handler = self.fm.features.get(method)
        if handler is not None:
            yield handler, (params,), None
