#define BOOST_TEST_MODULE sdk_tests
#include <boost/test/unit_test.hpp>
