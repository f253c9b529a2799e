// Signed messages (Core's rpc/signmessage.cpp): verifymessage, signmessagewithprivkey.
// As Core, only legacy (P2PKH) addresses sign and verify here; BIP137 segwit headers are
// the wallet's business (common/message_signing.h).
#include "common/address.h"
#include "common/message_signing.h"
#include "node/context.h"
#include "rpc/server.h"
#include "rpc/util.h"

namespace minicash::rpc {

namespace json = boost::json;

namespace {

json::value verify_message_cmd(NodeContext& node, const RpcRequest& req) {
    const std::string address = req.get_str(0);
    const std::string signature = req.get_str(1);
    const std::string message = req.get_str(2);
    const std::optional<Script> script = decode_address(address, node.params);
    if (!script) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Invalid address");
    const std::optional<Destination> dest = extract_destination(*script);
    if (!dest || !std::holds_alternative<PKHashDest>(*dest))
        throw RpcError(RPC_TYPE_ERROR, "Address does not refer to key");
    const MessageVerificationResult r = verify_message(address, signature, message, node.params);
    const MessageRpcError e = verify_message_rpc_error(r);
    if (e.code != 0) throw RpcError(e.code, e.message);
    return r == MessageVerificationResult::kOk;
}

json::value sign_message_with_privkey(NodeContext& node, const RpcRequest& req) {
    const std::optional<WifKey> wif = decode_wif(req.get_str(0), node.params);
    if (!wif) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Invalid private key");
    const std::optional<std::string> sig = sign_message(SecretKey(wif->secret), req.get_str(1), wif->compressed);
    if (!sig) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Sign failed");
    return json::value(*sig);
}

}  // namespace

void register_signmessage_commands(RpcTable& t) {
    t.add({"util",
           "verifymessage",
           "Verify a signed message.",
           {{"address", ArgType::STR, true, "", "The bitcoin address to use for the signature."},
            {"signature", ArgType::STR, true, "",
             "The signature provided by the signer in base 64 encoding (see signmessage)."},
            {"message", ArgType::STR, true, "", "The message that was signed."}},
           "true|false    (boolean) If the signature is verified or not.",
           verify_message_cmd,
           true});
    t.add({"util",
           "signmessagewithprivkey",
           "Sign a message with the private key of an address",
           {{"privkey", ArgType::STR, true, "", "The private key to sign the message with."},
            {"message", ArgType::STR, true, "", "The message to create a signature of."}},
           "\"str\"    (string) The signature of the message encoded in base 64",
           sign_message_with_privkey,
           true});
}

}  // namespace minicash::rpc
