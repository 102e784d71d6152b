#define BOOST_TEST_MODULE schema_tests
#include <boost/test/unit_test.hpp>
