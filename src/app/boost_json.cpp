// Boost.JSON's implementation, compiled once per executable that uses Boost.JSON
// through a library (minicash_rpc). Libraries only include <boost/json.hpp>.
#include <boost/json/src.hpp>
