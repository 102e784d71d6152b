#define BOOST_TEST_MODULE access_tests
#include <boost/test/unit_test.hpp>
